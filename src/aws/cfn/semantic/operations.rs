//! What runs unattended and fails quietly when it is written wrong: a
//! dead-letter queue that drops messages before anyone reads them, a
//! schedule EventBridge refuses, an alarm on a metric nobody publishes
//! (it stays in INSUFFICIENT_DATA and never fires).

use serde_json::Value as Json;

use super::{codes, where_, Templates};
use crate::core::diag::Diagnostic;
use crate::core::names::closest;

pub(super) fn check(t: &Templates<'_>, out: &mut Vec<Diagnostic>) {
    dead_letter_retention(t, out);
    schedules(t, out);
    alarm_metrics(t, out);
}

/// SQS keeps a message 4 days unless `MessageRetentionPeriod` says
/// otherwise.
const SQS_DEFAULT_RETENTION: i64 = 345_600;

/// A literal integer property (CloudFormation accepts numbers as strings).
fn literal_int(v: Option<&Json>) -> Option<i64> {
    match v? {
        Json::Number(n) => n.as_i64(),
        Json::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A standard queue's message keeps its first enqueue time when SQS moves
/// it to the dead-letter queue, so a DLQ with a shorter retention drops
/// it early (AWS recommends a longer one). FIFO queues reset the time.
fn dead_letter_retention(t: &Templates<'_>, out: &mut Vec<Diagnostic>) {
    for (stack, r) in t.of_type("AWS::SQS::Queue") {
        if super::is_true(r.properties.get("FifoQueue")) {
            continue;
        }
        let Some(redrive) = r.properties.get("RedrivePolicy") else {
            continue;
        };
        let parsed;
        let redrive = match redrive {
            Json::String(s) => match serde_json::from_str::<Json>(s) {
                Ok(v) => {
                    parsed = v;
                    &parsed
                }
                Err(_) => continue,
            },
            v => v,
        };
        let Some(dlq) = redrive
            .get("deadLetterTargetArn")
            .and_then(|v| t.target(stack, v))
            .filter(|d| d.resource.cfn_type == "AWS::SQS::Queue")
        else {
            continue;
        };
        let retention = |p: Option<&Json>| match p {
            None => Some(SQS_DEFAULT_RETENTION),
            v => literal_int(v),
        };
        let (Some(source), Some(kept)) = (
            retention(r.properties.get("MessageRetentionPeriod")),
            retention(dlq.resource.properties.get("MessageRetentionPeriod")),
        ) else {
            continue;
        };
        if kept < source {
            out.push(
                Diagnostic::warning(
                    r.path,
                    format!(
                        "AWS::SQS::Queue: RedrivePolicy: the dead-letter queue {} keeps messages {kept} s, less than this queue's {source} s; a message keeps its first enqueue time when it moves, so it expires from the dead-letter queue before anyone can read it",
                        where_(&dlq, stack)
                    ),
                )
                .with_code(codes::DEAD_LETTER_RETENTION)
                .with_hint(format!(
                    "give the dead-letter queue a MessageRetentionPeriod longer than {source} s (the maximum is 1209600, 14 days)"
                )),
            );
        }
    }
}

/// Why a schedule expression is refused, or `None` when it is valid.
/// `at(...)` is EventBridge Scheduler's one-time form (not a rule's).
pub(crate) fn schedule_problem(expr: &str, one_time_allowed: bool) -> Option<String> {
    let e = expr.trim();
    if let Some(body) = e.strip_prefix("rate(").and_then(|b| b.strip_suffix(')')) {
        let mut parts = body.split_whitespace();
        let (Some(n), Some(unit), None) = (parts.next(), parts.next(), parts.next()) else {
            return Some("rate(...) takes a value and a unit, e.g. rate(5 minutes)".into());
        };
        let Ok(n) = n.parse::<u64>() else {
            return Some(format!("rate value {n:?} is not a whole number"));
        };
        if n == 0 {
            return Some("a rate of 0 never runs".into());
        }
        let singular = ["minute", "hour", "day"].contains(&unit);
        let plural = ["minutes", "hours", "days"].contains(&unit);
        return match (singular, plural, n == 1) {
            (false, false, _) => Some(format!(
                "rate unit {unit:?} is not minute(s), hour(s) or day(s)"
            )),
            (true, _, false) => Some(format!("rate({n} {unit}) needs the plural unit ({unit}s)")),
            (_, true, true) => Some(format!(
                "rate(1 {unit}) needs the singular unit ({})",
                unit.trim_end_matches('s')
            )),
            _ => None,
        };
    }
    if let Some(body) = e.strip_prefix("cron(").and_then(|b| b.strip_suffix(')')) {
        let fields: Vec<&str> = body.split_whitespace().collect();
        if fields.len() != 6 {
            return Some(format!(
                "cron(...) has {} fields; EventBridge needs six (minutes hours day-of-month month day-of-week year), e.g. cron(0 3 * * ? *) for 03:00 UTC daily",
                fields.len()
            ));
        }
        let (dom, dow) = (fields[2], fields[4]);
        if (dom == "?") == (dow == "?") {
            return Some(
                "cron(...) needs ? in exactly one of day-of-month and day-of-week (e.g. cron(0 3 * * ? *))"
                    .into(),
            );
        }
        return None;
    }
    if one_time_allowed && e.starts_with("at(") && e.ends_with(')') {
        return None;
    }
    Some(if one_time_allowed {
        "the expression is not rate(...), cron(...) or at(...)".into()
    } else {
        "the expression is not rate(...) or cron(...)".into()
    })
}

fn schedules(t: &Templates<'_>, out: &mut Vec<Diagnostic>) {
    for (cfn_type, one_time) in [
        ("AWS::Events::Rule", false),
        ("AWS::Scheduler::Schedule", true),
    ] {
        for (_, r) in t.of_type(cfn_type) {
            let Some(expr) = r
                .properties
                .get("ScheduleExpression")
                .and_then(Json::as_str)
            else {
                continue;
            };
            if let Some(problem) = schedule_problem(expr, one_time) {
                out.push(
                    Diagnostic::error(
                        r.path,
                        format!("{cfn_type}: ScheduleExpression {expr:?}: {problem}"),
                    )
                    .with_code(codes::SCHEDULE_EXPRESSION)
                    .with_hint("write rate(N minutes|hours|days) or a six-field cron(...) with ? in day-of-month or day-of-week; times are UTC"),
                );
            }
        }
    }
}

/// The metrics an AWS namespace publishes, for the namespaces whose list is
/// fixed and documented (the SQS developer guide's "available CloudWatch
/// metrics"). Only these namespaces are judged: a namespace missing here is
/// never reported. The queue depth comes first: the "did you mean" hint
/// takes the first of equally close names, and the depth is what a
/// misspelt `ApproximateNumberOfMessages` means.
const PUBLISHED: &[(&str, &[&str])] = &[(
    "AWS/SQS",
    &[
        "ApproximateNumberOfMessagesVisible",
        "ApproximateAgeOfOldestMessage",
        "ApproximateNumberOfGroupsWithInflightMessages",
        "ApproximateNumberOfMessagesDelayed",
        "ApproximateNumberOfMessagesNotVisible",
        "NumberOfDeduplicatedSentMessages",
        "NumberOfEmptyReceives",
        "NumberOfMessagesDeleted",
        "NumberOfMessagesReceived",
        "NumberOfMessagesSent",
        "SentMessageSize",
    ],
)];

fn alarm_metrics(t: &Templates<'_>, out: &mut Vec<Diagnostic>) {
    for (_, r) in t.of_type("AWS::CloudWatch::Alarm") {
        let p = r.properties;
        let mut metrics = vec![("".to_string(), p.get("Namespace"), p.get("MetricName"))];
        for (i, m) in p
            .get("Metrics")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let metric = m.get("MetricStat").and_then(|s| s.get("Metric"));
            metrics.push((
                format!("Metrics[{i}].MetricStat.Metric."),
                metric.and_then(|m| m.get("Namespace")),
                metric.and_then(|m| m.get("MetricName")),
            ));
        }
        for (at, ns, name) in metrics {
            let (Some(ns), Some(name)) = (ns.and_then(Json::as_str), name.and_then(Json::as_str))
            else {
                continue;
            };
            let Some((_, known)) = PUBLISHED.iter().find(|(n, _)| *n == ns) else {
                continue;
            };
            if known.contains(&name) {
                continue;
            }
            out.push(
                Diagnostic::warning(
                    r.path,
                    format!(
                        "AWS::CloudWatch::Alarm: {at}MetricName {name:?} is not a metric {ns} publishes: the alarm never leaves INSUFFICIENT_DATA and never fires"
                    ),
                )
                .with_code(codes::UNPUBLISHED_METRIC)
                .with_hint(match closest(name, known.iter().copied()) {
                    Some(c) => format!("did you mean {c:?}? {ns} publishes: {}", known.join(", ")),
                    None => format!("{ns} publishes: {}", known.join(", ")),
                }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_expressions_are_judged_as_eventbridge_does() {
        for ok in [
            "rate(1 minute)",
            "rate(5 minutes)",
            "rate(12 hours)",
            "cron(0 3 * * ? *)",
            "cron(0/15 8-17 ? * MON-FRI *)",
        ] {
            assert_eq!(schedule_problem(ok, false), None, "{ok}");
        }
        assert_eq!(schedule_problem("at(2026-12-01T03:00:00)", true), None);
        for (bad, says) in [
            ("cron(0 3 * * *)", "has 5 fields"),
            ("cron(0 3 * * * *)", "exactly one"),
            ("cron(0 3 ? * ? *)", "exactly one"),
            ("rate(1 minutes)", "singular"),
            ("rate(5 minute)", "plural"),
            ("rate(0 minutes)", "never runs"),
            ("rate(5 weeks)", "not minute(s)"),
            ("rate(five minutes)", "whole number"),
            ("every 5 minutes", "not rate"),
            ("at(2026-12-01T03:00:00)", "not rate(...) or cron(...)"),
        ] {
            let p = schedule_problem(bad, false).unwrap_or_default();
            assert!(p.contains(says), "{bad}: {p}");
        }
    }

    #[test]
    fn the_closest_metric_is_suggested() {
        let sqs = PUBLISHED[0].1;
        // The console's name for the queue depth is the commonest slip.
        assert_eq!(
            closest("ApproximateNumberOfMessages", sqs.iter().copied()),
            Some("ApproximateNumberOfMessagesVisible")
        );
        assert_eq!(
            closest("NumberOfMessagesSend", sqs.iter().copied()),
            Some("NumberOfMessagesSent")
        );
    }
}
