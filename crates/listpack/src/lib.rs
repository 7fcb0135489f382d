//! Redis's listpack and intset byte formats. Work in progress.
