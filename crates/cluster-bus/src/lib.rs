//! Cluster bus wire format. Work in progress.
