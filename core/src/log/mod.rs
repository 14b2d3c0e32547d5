//! The ledger log (being written).
