//! Cluster membership state machine (sans-IO). Work in progress.
