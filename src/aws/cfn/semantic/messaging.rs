//! Messaging: what SNS can deliver to SQS.

use serde_json::Value as Json;

use super::{codes, is_true, where_, StackView, Templates};
use crate::core::diag::Diagnostic;

pub(super) fn check(t: &Templates<'_>, out: &mut Vec<Diagnostic>) {
    deliveries_to_encrypted(t, out);
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

/// Whether a key policy lets `service` generate data keys: an `Allow`
/// statement whose principal is the service (or `*`) and whose actions
/// cover `kms:GenerateDataKey`.
fn admits(key_policy: &Json, service: &str) -> bool {
    let list = |v: Option<&Json>| -> Vec<Json> {
        match v {
            Some(Json::Array(a)) => a.clone(),
            Some(v) => vec![v.clone()],
            None => Vec::new(),
        }
    };
    list(key_policy.get("Statement")).iter().any(|st| {
        let allow = st.get("Effect").and_then(Json::as_str) == Some("Allow");
        let principal = st.get("Principal");
        let is_service = principal.and_then(Json::as_str) == Some("*")
            || principal
                .and_then(|p| p.get("Service"))
                .is_some_and(|s| list(Some(s)).iter().any(|x| x.as_str() == Some(service)))
            || principal
                .and_then(|p| p.get("AWS"))
                .is_some_and(|a| list(Some(a)).iter().any(|x| x.as_str() == Some("*")));
        let acts = list(st.get("Action")).iter().any(|a| {
            a.as_str().is_some_and(|a| {
                let a = a.to_ascii_lowercase();
                a == "*" || a == "kms:*" || a.starts_with("kms:generatedatakey")
            })
        });
        allow && is_service && acts
    })
}

/// A service that delivers to a queue or topic encrypted with a customer
/// key needs the key: SNS to a subscribed queue, EventBridge to a target
/// queue or topic, CloudWatch to an alarm's topic. Without a key-policy
/// statement for it, deliveries fail silently at run time.
fn deliveries_to_encrypted(t: &Templates<'_>, out: &mut Vec<Diagnostic>) {
    let mut deliveries: Vec<(&StackView<'_>, &str, &str, &Json, String)> = Vec::new();
    for (stack, r) in t.of_type("AWS::SNS::Subscription") {
        if r.properties.get("Protocol").and_then(Json::as_str) == Some("sqs") {
            if let Some(e) = r.properties.get("Endpoint") {
                deliveries.push((stack, r.path, "sns.amazonaws.com", e, "Endpoint".into()));
            }
        }
    }
    for (stack, r) in t.of_type("AWS::Events::Rule") {
        for (i, target) in r
            .properties
            .get("Targets")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            if let Some(arn) = target.get("Arn") {
                deliveries.push((
                    stack,
                    r.path,
                    "events.amazonaws.com",
                    arn,
                    format!("Targets[{i}].Arn"),
                ));
            }
        }
    }
    for (stack, r) in t.of_type("AWS::CloudWatch::Alarm") {
        for list in ["AlarmActions", "OKActions", "InsufficientDataActions"] {
            for (i, action) in r
                .properties
                .get(list)
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                deliveries.push((
                    stack,
                    r.path,
                    "cloudwatch.amazonaws.com",
                    action,
                    format!("{list}[{i}]"),
                ));
            }
        }
    }
    for (stack, path, service, value, at) in deliveries {
        let Some(target) = t.target(stack, value) else {
            continue;
        };
        let key_prop = match target.resource.cfn_type {
            "AWS::SQS::Queue" | "AWS::SNS::Topic" => {
                target.resource.properties.get("KmsMasterKeyId")
            }
            _ => None,
        };
        let Some(key_value) = key_prop else { continue };
        let Some(key) = t.target(target.stack, key_value) else {
            continue;
        };
        if key.resource.cfn_type != "AWS::KMS::Key" {
            continue;
        }
        let Some(policy) = key.resource.properties.get("KeyPolicy") else {
            continue;
        };
        if policy.get("Fn::Sub").is_some() || admits(policy, service) {
            continue;
        }
        out.push(
            Diagnostic::error(
                path,
                format!(
                    "{at}: {service} delivers to {}, which is encrypted with the key {} whose policy does not let {service} use it: deliveries fail at run time",
                    where_(&target, stack),
                    where_(&key, stack)
                ),
            )
            .with_code(codes::SERVICE_NOT_ADMITTED_TO_KEY)
            .with_hint(format!(
                "admit the service to the key (KeyUser::Service(\"{service}\"), or key.admit(scope, …); the L2 integrations do it), or encrypt a queue with SSE-SQS instead"
            )),
        );
    }
}
