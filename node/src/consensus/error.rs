//! Why consensus's application stopped.

use crate::chain::ChainError;

/// Why the application stopped; consensus cannot go on without it.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error("consensus channel closed")]
    ChannelClosed,
    #[error("execution task failed: {0}")]
    Task(String),
}
