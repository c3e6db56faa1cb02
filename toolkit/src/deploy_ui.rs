//! Deploy's terminal side: live progress on stderr (one bar per running
//! stack, event lines above), confirmations, and Ctrl-C counting, shared
//! by deploy, destroy and orphan.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::time::Instant;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::deploy::api::{ChangeSetKind, StackId};
use crate::deploy::{Approver, DeployEvent, Observer, Prompt, PromptKind};

/// Live progress on stderr: one bar per running stack, event lines above.
pub(crate) struct Ui<'w> {
    err: RefCell<&'w mut dyn Write>,
    multi: MultiProgress,
    bars: RefCell<BTreeMap<StackId, ProgressBar>>,
    started: Instant,
    tty: bool,
}

impl<'w> Ui<'w> {
    pub(crate) fn new(err: &'w mut dyn Write) -> Ui<'w> {
        Ui {
            err: RefCell::new(err),
            multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            bars: RefCell::new(BTreeMap::new()),
            started: Instant::now(),
            tty: std::io::stdin().is_terminal(),
        }
    }

    /// One line of progress or one message: whatever it quotes (a stack
    /// event's reason, an endpoint's error) cannot start another line.
    pub(crate) fn line(&self, text: impl std::fmt::Display) {
        let text = text.to_string();
        let text = meshsynth::untrusted::inert_keeping_sgr(&text, true);
        self.multi.suspend(|| {
            let _ = writeln!(self.err.borrow_mut(), "{text}");
        });
    }

    fn elapsed(&self) -> String {
        format!("{:>6.1}s", self.started.elapsed().as_secs_f64())
    }

    fn bar(&self, stack: &StackId) -> Option<ProgressBar> {
        self.bars.borrow().get(stack).cloned()
    }

    fn drop_bar(&self, stack: &StackId) {
        let bar = self.bars.borrow_mut().remove(stack);
        if let Some(b) = bar {
            b.finish_and_clear();
            self.multi.remove(&b);
        }
    }

    /// Removes every bar (before the summary).
    pub(crate) fn clear(&self) {
        let bars = std::mem::take(&mut *self.bars.borrow_mut());
        for b in bars.values() {
            b.finish_and_clear();
            self.multi.remove(b);
        }
    }
}

fn style(template: &str) -> ProgressStyle {
    // Invariant: the templates are literals of this file and valid.
    ProgressStyle::with_template(template).expect("valid progress template")
}

impl Observer for Ui<'_> {
    fn on_event(&self, e: &DeployEvent) {
        match e {
            DeployEvent::Refactoring { region, moves } => self.refactoring(region, moves),
            DeployEvent::Refactored { region } => {
                self.line(format!("{region}: resources moved"));
            }
            DeployEvent::Started { stack } => {
                let bar = self.multi.add(ProgressBar::new(0));
                bar.set_style(style("{prefix:.bold} [{elapsed_precise}] {msg}"));
                bar.set_prefix(stack.name.clone());
                bar.set_message("preparing");
                // No steady tick: a ticker thread would contend for stderr,
                // which the CLI holds locked; the engine's polls redraw.
                self.bars.borrow_mut().insert(stack.clone(), bar);
            }
            DeployEvent::Busy {
                stack,
                status,
                timeout_secs,
            } => self.line(format!(
                "{} {stack}: busy with another operation ({status}); waiting up to {timeout_secs} s for it to finish",
                self.elapsed()
            )),
            DeployEvent::Recreating { stack, status } => self.line(format!(
                "{} {stack}: in {status} after a failed first create; deleting it to create it again",
                self.elapsed()
            )),
            DeployEvent::Uploaded { stack, bytes, url } => self.line(format!(
                "{} {stack}: template is {bytes} bytes (over 51,200): uploaded to {url}",
                self.elapsed()
            )),
            DeployEvent::ChangeSet {
                stack,
                kind,
                changes,
            } => {
                let verb = match kind {
                    ChangeSetKind::Create => "create",
                    ChangeSetKind::Update => "update",
                    ChangeSetKind::Import => "import",
                };
                let text = format!(
                    "{} {stack}: {verb} with {} resource change(s):",
                    self.elapsed(),
                    changes.len()
                );
                let rows = change_rows(changes);
                // One line each: each is made inert alone, so the rows are
                // rows and no text from the endpoint can start a line.
                self.line(text);
                for row in rows {
                    self.line(row);
                }
                if let Some(b) = self.bar(stack) {
                    b.set_message("change set ready");
                }
            }
            DeployEvent::NoChanges { stack } => {
                self.drop_bar(stack);
                self.line(format!("{} {stack}: no changes", self.elapsed()));
            }
            DeployEvent::Executing { stack, total } => {
                if let Some(b) = self.bar(stack) {
                    if *total > 0 {
                        b.set_style(style(
                            "{prefix:.bold} [{elapsed_precise}] {bar:30} {pos}/{len} resources {msg}",
                        ));
                        b.set_length(*total as u64);
                    }
                    b.set_message("executing");
                }
            }
            DeployEvent::Resource {
                stack,
                event,
                done,
                total,
            } => self.line(format!(
                "{} {} {}  {:<28} {} {}{}",
                self.elapsed(),
                stack.name,
                if *total > 0 {
                    format!("{done}/{total}")
                } else {
                    format!("{done}")
                },
                event.status,
                event.resource_type,
                event.logical_id,
                event
                    .reason
                    .as_deref()
                    .filter(|r| !r.is_empty())
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            )),
            DeployEvent::Progress { stack, done, total } => {
                if let Some(b) = self.bar(stack) {
                    if *total > 0 {
                        b.set_length((*total).max(*done) as u64);
                        b.set_position(*done as u64);
                    } else {
                        b.tick();
                    }
                }
            }
            DeployEvent::Finished { stack, status } => {
                self.drop_bar(stack);
                self.line(format!("{} {stack}: {status}", self.elapsed()));
            }
            DeployEvent::NotCreatedByEndpoint { stack, resources } => {
                let list: Vec<String> = resources.iter().map(|(l, t)| format!("{l} ({t})")).collect();
                self.line(format!(
                    "note: {stack}: the endpoint did not create {}, of type(s) emulators do not model; CloudFormation would (not checked here, see docs/deploy.md)",
                    list.join(", ")
                ));
            }
        }
    }
}

impl Ui<'_> {
    fn refactoring(&self, region: &str, moves: &[String]) {
        self.line(format!(
            "{region}: moving {} resource(s) without replacement (stack refactor):",
            moves.len()
        ));
        for m in moves {
            self.line(format!("    > {m}"));
        }
    }
}

impl Approver for Ui<'_> {
    async fn confirm(&self, prompt: &Prompt) -> Result<bool, String> {
        if !self.tty {
            let way_out = match prompt.kind {
                PromptKind::ApproveChangeSet => {
                    "pass --require-approval never to deploy without confirmation (review the change set above first)"
                }
                PromptKind::RecreateFailedStack => "pass --force to delete and re-create it",
                PromptKind::Destroy => "pass --force to delete without confirmation",
                PromptKind::Orphan => "pass --force to orphan without confirmation",
            };
            return Err(format!(
                "stdin is not a terminal, so nobody can answer \"{}\"; {way_out}",
                prompt.question
            ));
        }
        // Hide the bars while the user reads and types.
        let _ = self.multi.clear();
        self.multi.set_draw_target(ProgressDrawTarget::hidden());
        let mut text = String::new();
        for d in &prompt.details {
            text.push_str(&format!("    {d}\n"));
        }
        {
            let mut err = self.err.borrow_mut();
            let _ = write!(err, "{text}{} [y/N] ", prompt.question);
            let _ = err.flush();
        }
        let answer = tokio::task::spawn_blocking(|| {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).map(|_| line)
        })
        .await;
        self.multi.set_draw_target(ProgressDrawTarget::stderr());
        match answer {
            Ok(Ok(line)) => Ok(matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes")),
            Ok(Err(e)) => Err(format!("cannot read the answer from stdin: {e}")),
            Err(e) => Err(format!("cannot read the answer from stdin: {e}")),
        }
    }
}

/// Resolves on the `n`-th Ctrl-C.
pub(crate) async fn interrupts(rx: &tokio::sync::watch::Receiver<u32>, n: u32) {
    let mut rx = rx.clone();
    if rx.wait_for(|c| *c >= n).await.is_err() {
        // The signal task ended (no signal support): never resolve.
        std::future::pending::<()>().await;
    }
}

/// Counts Ctrl-C presses for the whole command.
pub(crate) fn watch_ctrl_c() -> tokio::sync::watch::Receiver<u32> {
    let (tx, rx) = tokio::sync::watch::channel(0u32);
    tokio::spawn(async move {
        let mut n = 0;
        while tokio::signal::ctrl_c().await.is_ok() {
            n += 1;
            if tx.send(n).is_err() {
                break;
            }
        }
    });
    rx
}

impl Ui<'_> {
    /// Prints `error: E` and gives exit code 1.
    pub(crate) fn fail(&self, e: impl std::fmt::Display) -> u8 {
        self.line(format!("error: {e}"));
        1
    }
}

/// One row per resource change: `+ Add AWS::S3::Bucket Logs (replacement)`.
fn change_rows(changes: &[crate::deploy::api::ResourceChange]) -> Vec<String> {
    changes
        .iter()
        .map(|c| {
            let sign = match c.action.as_str() {
                "Add" => "+",
                "Import" => "<",
                "Remove" => "-",
                _ => "~",
            };
            let replace = match c.replacement.as_deref() {
                Some("True") => " (replacement)",
                Some("Conditional") => " (may be replaced)",
                _ => "",
            };
            format!(
                "    {sign} {} {} {}{replace}",
                c.action, c.resource_type, c.logical_id
            )
        })
        .collect()
}
