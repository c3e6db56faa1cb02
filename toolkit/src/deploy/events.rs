//! What the deploy engine tells its caller while it works (events for the
//! progress display) and asks it (confirmations). The library never prints:
//! the CLI implements `Observer` and `Approver`.

use super::api::{ChangeSetKind, ResourceChange, StackEvent, StackId};

/// Something the engine did or saw, in the order it happened.
#[derive(Debug, Clone, PartialEq)]
pub enum DeployEvent {
    /// Resources move to new logical ids or stacks (a stack refactor in
    /// `region`) before the change sets.
    Refactoring {
        /// The region.
        region: String,
        /// `stack/Old → stack/New (Type)`, one per move.
        moves: Vec<String>,
    },
    /// The stack refactor finished.
    Refactored {
        /// The region.
        region: String,
    },
    /// Work on a stack started (deploy or destroy).
    Started {
        /// The stack.
        stack: StackId,
    },
    /// The stack is busy with another operation; the engine waits.
    Busy {
        /// The stack.
        stack: StackId,
        /// Its current status, e.g. `UPDATE_IN_PROGRESS`.
        status: String,
        /// How long the engine waits at most, in seconds.
        timeout_secs: u64,
    },
    /// A stack left in ROLLBACK_COMPLETE by a failed first create is being
    /// deleted so it can be created again.
    Recreating {
        /// The stack.
        stack: StackId,
        /// Its status before the deletion.
        status: String,
    },
    /// The template was too large to pass inline and was uploaded.
    Uploaded {
        /// The stack.
        stack: StackId,
        /// The template size in bytes.
        bytes: usize,
        /// The TemplateURL passed to CloudFormation.
        url: String,
    },
    /// The change set is ready; these are its changes.
    ChangeSet {
        /// The stack.
        stack: StackId,
        /// CREATE or UPDATE.
        kind: ChangeSetKind,
        /// Every resource change.
        changes: Vec<ResourceChange>,
    },
    /// The change set was empty: nothing to do.
    NoChanges {
        /// The stack.
        stack: StackId,
    },
    /// The change set (or deletion) is executing.
    Executing {
        /// The stack.
        stack: StackId,
        /// Resources the operation touches (0 when unknown).
        total: usize,
    },
    /// A stack event, streamed live (chronological within a stack).
    Resource {
        /// The stack.
        stack: StackId,
        /// The event.
        event: StackEvent,
        /// Resources done so far, this event included.
        done: usize,
        /// Resources the operation touches (0 when unknown).
        total: usize,
    },
    /// Resources done so far.
    Progress {
        /// The stack.
        stack: StackId,
        /// Resources that reached a final state.
        done: usize,
        /// Resources the operation touches (0 when unknown).
        total: usize,
    },
    /// The stack reached a final state.
    Finished {
        /// The stack.
        stack: StackId,
        /// Its final status, e.g. `CREATE_COMPLETE`.
        status: String,
    },
    /// Through a custom endpoint (an emulator), resources of types it does
    /// not model are not in the stack; CloudFormation would create them.
    NotCreatedByEndpoint {
        /// The stack.
        stack: StackId,
        /// (logical ID, type) of each.
        resources: Vec<(String, String)>,
    },
}

/// Receives the engine's events (called on the engine's task; keep it quick).
pub trait Observer {
    /// One event.
    fn on_event(&self, event: &DeployEvent);
}

/// An observer that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct Quiet;

impl Observer for Quiet {
    fn on_event(&self, _: &DeployEvent) {}
}

/// What a confirmation is about, so the caller can phrase the way out (which
/// flag skips the question) when it cannot ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    /// Execute a change set that needs approval (`--require-approval`).
    ApproveChangeSet,
    /// Delete a stack left in ROLLBACK_COMPLETE and create it again (`--force`).
    RecreateFailedStack,
    /// Delete stacks (`--force`).
    Destroy,
    /// Take a resource out of its stack (`orphan --force`).
    Orphan,
}

/// A yes/no question for the user.
#[derive(Debug, Clone, PartialEq)]
pub struct Prompt {
    /// What it is about.
    pub kind: PromptKind,
    /// The question, one line.
    pub question: String,
    /// Details to show before it (one per line).
    pub details: Vec<String>,
}

/// Answers confirmations. `Err` means nobody can answer (no terminal); the
/// text says how to proceed without a prompt.
#[allow(async_fn_in_trait)]
pub trait Approver {
    /// Asks; `Ok(true)` to go ahead.
    async fn confirm(&self, prompt: &Prompt) -> Result<bool, String>;
}

/// An approver that answers every question the same way (tests, `--force`).
#[derive(Debug, Clone, Copy)]
pub struct AlwaysAnswer(pub bool);

impl Approver for AlwaysAnswer {
    async fn confirm(&self, _: &Prompt) -> Result<bool, String> {
        Ok(self.0)
    }
}
