//! Messaging: what SNS can deliver to SQS.

use serde_json::Value as Json;

use super::{codes, is_true, where_, StackView, Templates};
use crate::core::diag::Diagnostic;

pub(super) fn check(t: &Templates<'_>, out: &mut Vec<Diagnostic>) {
    for (stack, r) in t.of_type("AWS::SNS::Subscription") {
        let p = r.properties;
        if p.get("Protocol").and_then(Json::as_str) != Some("sqs") {
            continue;
        }
        let (Some(topic), Some(queue)) = (p.get("TopicArn"), p.get("Endpoint")) else {
            continue;
        };
        fifo_into_standard(
            t,
            stack,
            r.path,
            topic,
            queue,
            "AWS::SNS::Subscription",
            out,
        );
    }
    for (stack, r) in t.of_type("AWS::SNS::Topic") {
        let own = Json::Object(
            [("Ref".to_string(), Json::String(r.logical_id.to_string()))]
                .into_iter()
                .collect(),
        );
        for (i, sub) in r
            .properties
            .get("Subscription")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if sub.get("Protocol").and_then(Json::as_str) != Some("sqs") {
                continue;
            }
            if let Some(queue) = sub.get("Endpoint") {
                let at = format!("AWS::SNS::Topic: Subscription[{i}]");
                fifo_into_standard(t, stack, r.path, &own, queue, &at, out);
            }
        }
    }
}

/// A FIFO queue accepts messages only from a FIFO topic (a standard topic
/// cannot subscribe it: SNS refuses the subscription).
fn fifo_into_standard(
    t: &Templates<'_>,
    stack: &StackView<'_>,
    path: &str,
    topic: &Json,
    queue: &Json,
    at: &str,
    out: &mut Vec<Diagnostic>,
) {
    let Some(q) = t.target(stack, queue) else {
        return;
    };
    let Some(tp) = t.target(stack, topic) else {
        return;
    };
    if q.resource.cfn_type != "AWS::SQS::Queue" || tp.resource.cfn_type != "AWS::SNS::Topic" {
        return;
    }
    let queue_fifo = is_true(q.resource.properties.get("FifoQueue"));
    let topic_fifo = is_true(tp.resource.properties.get("FifoTopic"));
    if queue_fifo && !topic_fifo {
        out.push(
            Diagnostic::error(
                path,
                format!(
                    "{at}: the FIFO queue {} is subscribed to the standard topic {}; SNS delivers to a FIFO queue only from a FIFO topic",
                    where_(&q, stack),
                    where_(&tp, stack)
                ),
            )
            .with_code(codes::FIFO_SUBSCRIPTION)
            .with_hint("make the topic FIFO (FifoTopic: true, a name ending in .fifo), or subscribe a standard queue"),
        );
    }
}
