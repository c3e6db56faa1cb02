//! Following a stack's events until it settles, each resource event
//! reported once.

use super::*;

impl<'a, A: CfnApi, S: ObjectStore, P: Approver> Engine<'a, A, S, P> {
    /// The newest event's ID, where live streaming starts after.
    pub(super) async fn newest_event(&self, id: &StackId) -> Option<String> {
        match self.api.stack_events(id, None).await {
            Ok(ev) => ev.first().map(|e| e.event_id.clone()),
            Err(_) => None,
        }
    }

    /// Streams events until the stack leaves its IN_PROGRESS state; returns
    /// its final description (`None` once deleted) and the first failure.
    pub(super) async fn follow(
        &self,
        id: &StackId,
        shown: &StackId,
        mut marker: Option<String>,
        total: usize,
    ) -> Result<(Option<StackInfo>, Option<Box<FailedResource>>), DeployError> {
        let mut delay = self.opts.poll.initial;
        let started = tokio::time::Instant::now();
        let mut done: BTreeSet<String> = BTreeSet::new();
        let mut first_failure: Option<(FailedResource, bool)> = None;
        let mut last_round = false;
        // The status last shown per resource: CloudFormation writes two
        // CREATE_IN_PROGRESS events per resource (requested, then "Resource
        // creation Initiated"); a reader wants one line.
        let mut shown_status: std::collections::HashMap<String, String> = Default::default();
        loop {
            match self.api.stack_events(id, marker.as_deref()).await {
                Ok(mut events) => {
                    events.reverse();
                    if let Some(last) = events.last() {
                        marker = Some(last.event_id.clone());
                    }
                    for e in events {
                        self.note_event(&e, &mut done, &mut first_failure);
                        if shown_status.get(&e.logical_id) == Some(&e.status)
                            && !e.status.ends_with("_FAILED")
                        {
                            continue;
                        }
                        shown_status.insert(e.logical_id.clone(), e.status.clone());
                        self.emit(DeployEvent::Resource {
                            stack: shown.clone(),
                            event: e,
                            done: capped(done.len(), total),
                            total,
                        });
                    }
                    // Every round, so displays can refresh elapsed time.
                    self.emit(DeployEvent::Progress {
                        stack: shown.clone(),
                        done: capped(done.len(), total),
                        total,
                    });
                }
                Err(ApiError::Throttled(_)) => {}
                // Once the stack is deleted, its name no longer finds events.
                Err(ApiError::NotFound(_)) => {}
                Err(e) => return Err(Self::api_err(id, "DescribeStackEvents")(e)),
            }
            if last_round {
                break;
            }
            match self.describe(id).await? {
                Some(i) if is_in_progress(&i.status) => {
                    if started.elapsed() >= self.opts.follow_timeout {
                        return Err(DeployError::StillRunning {
                            stack: shown.clone(),
                            status: i.status,
                            waited_secs: started.elapsed().as_secs(),
                        });
                    }
                    self.sleep(&mut delay).await
                }
                // One more round of events: those written between our last
                // read and the final status.
                _ => last_round = true,
            }
        }
        let info = self.describe(id).await?;
        let info = info.filter(|i| i.status != "DELETE_COMPLETE");
        Ok((info, first_failure.map(|(f, _)| Box::new(f))))
    }

    pub(super) fn note_event(
        &self,
        e: &StackEvent,
        done: &mut BTreeSet<String>,
        first: &mut Option<(FailedResource, bool)>,
    ) {
        if e.is_stack_event() {
            return;
        }
        if is_resource_final(&e.status) {
            done.insert(e.logical_id.clone());
        }
        if e.status.ends_with("_FAILED") {
            let reason = e.reason.clone().unwrap_or_default();
            // "Resource creation cancelled" follows the real failure elsewhere.
            let consequential = reason.to_ascii_lowercase().contains("cancelled");
            let replace = match first {
                None => true,
                Some((_, was_consequential)) => *was_consequential && !consequential,
            };
            if replace {
                *first = Some((
                    FailedResource {
                        logical_id: e.logical_id.clone(),
                        resource_type: e.resource_type.clone(),
                        status: e.status.clone(),
                        reason,
                    },
                    consequential,
                ));
            }
        }
    }
}
