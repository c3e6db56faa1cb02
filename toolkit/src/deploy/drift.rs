//! CloudFormation drift of the assembly's deployed stacks: DetectStackDrift,
//! polled until done, then DescribeStackResourceDrifts, rendered like a
//! plan (text, Markdown, JSON) with secret values masked and every string
//! from the service shown inert.

use std::time::Duration;

use serde::Serialize;

use super::api::{ApiError, CfnApi, StackId};
use super::engine::not_owned;
use meshsynth::diff::{is_sensitive, MASK};
use meshsynth::untrusted::inert;

/// The version of the JSON report (`schemaVersion`).
pub const CFN_DRIFT_SCHEMA_VERSION: u32 = 1;

/// One property that differs (`PropertyDifferences` of a resource drift).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyDifference {
    /// `PropertyPath`, e.g. `/SecurityGroupIngress/1/CidrIp`.
    pub path: String,
    /// `DifferenceType`: `ADD`, `REMOVE` or `NOT_EQUAL`.
    pub kind: String,
    /// The template's value (JSON text), absent for `ADD`.
    pub expected: Option<String>,
    /// The resource's value (JSON text), absent for `REMOVE`.
    pub actual: Option<String>,
}

/// One resource's drift (`StackResourceDrift`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceDrift {
    /// The logical ID.
    pub logical_id: String,
    /// The CloudFormation type.
    pub resource_type: String,
    /// The physical ID.
    pub physical_id: Option<String>,
    /// `IN_SYNC`, `MODIFIED`, `DELETED` or `NOT_CHECKED`.
    pub status: String,
    /// What differs, for `MODIFIED`.
    pub differences: Vec<PropertyDifference>,
}

/// A drift detection's progress (`DescribeStackDriftDetectionStatus`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    /// `DETECTION_IN_PROGRESS`, `DETECTION_COMPLETE` or `DETECTION_FAILED`.
    pub status: String,
    /// `StackDriftStatus` once known: `DRIFTED`, `IN_SYNC`, `NOT_CHECKED`.
    pub stack_drift_status: Option<String>,
    /// `DetectionStatusReason`.
    pub reason: Option<String>,
}

/// The drift calls, beside [`CfnApi`] (implemented by the AWS client and
/// the tests' fake).
#[allow(async_fn_in_trait)]
pub trait DriftApi {
    /// DetectStackDrift; returns the detection ID.
    async fn detect_stack_drift(&self, stack: &StackId) -> Result<String, ApiError>;
    /// DescribeStackDriftDetectionStatus.
    async fn drift_detection_status(
        &self,
        region: &str,
        detection_id: &str,
    ) -> Result<Detection, ApiError>;
    /// DescribeStackResourceDrifts, every page and every status.
    async fn stack_resource_drifts(&self, stack: &StackId) -> Result<Vec<ResourceDrift>, ApiError>;
}

/// What one stack's detection found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StackDrift {
    /// The stack name.
    pub stack: String,
    /// Its region.
    pub region: String,
    /// `DRIFTED`, `IN_SYNC`, `NOT_DEPLOYED` or `DETECTION_FAILED`.
    pub status: String,
    /// Why detection failed or a resource was not checked, when CloudFormation says.
    pub reason: Option<String>,
    /// The drifted resources (`MODIFIED`, `DELETED`), in logical ID order.
    pub resources: Vec<ResourceDrift>,
    /// Resources in sync.
    pub in_sync: usize,
    /// Resources CloudFormation cannot check (types without drift support).
    pub not_checked: usize,
}

/// The drift of every stack checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CfnDriftReport {
    /// The report format's version.
    pub schema_version: u32,
    /// One entry per stack, in the order asked.
    pub stacks: Vec<StackDrift>,
}

impl CfnDriftReport {
    /// True when a stack drifted.
    pub fn has_drift(&self) -> bool {
        self.stacks.iter().any(|s| s.status == "DRIFTED")
    }

    /// True when a detection failed (its result is unknown).
    pub fn has_failure(&self) -> bool {
        self.stacks.iter().any(|s| s.status == "DETECTION_FAILED")
    }
}

/// How long to wait between polls and in all, per stack.
#[derive(Debug, Clone, Copy)]
pub struct Polling {
    /// Between two DescribeStackDriftDetectionStatus calls.
    pub interval: Duration,
    /// Before a detection still running is reported as failed.
    pub limit: Duration,
}

impl Default for Polling {
    fn default() -> Polling {
        Polling {
            interval: Duration::from_secs(2),
            limit: Duration::from_secs(600),
        }
    }
}

/// The refusal of the first deployed stack meshsynth did not deploy (no
/// `meshsynth:managed` tag; deploy's rule, without its app check) and that
/// no `adopt` glob names: its template is not one meshsynth wrote, so its
/// drift is another tool's to report.
pub async fn check_owners<A: CfnApi>(
    api: &A,
    stacks: &[StackId],
    adopt: &[String],
) -> Result<Result<(), String>, ApiError> {
    for id in stacks {
        let Some(info) = api.describe_stack(id).await? else {
            continue;
        };
        if let Some(why) = not_owned(id, &info, adopt, None) {
            return Ok(Err(format!(
                "stack {} {why}; pass --adopt {} to check its drift anyway; no detection was started",
                inert(&id.name),
                inert(&id.name)
            )));
        }
    }
    Ok(Ok(()))
}

/// Runs drift detection on `stacks`, one after the other (CloudFormation
/// runs at most a few detections per account at once), telling `progress`
/// what it waits for.
pub async fn detect<A: CfnApi + DriftApi>(
    api: &A,
    stacks: &[StackId],
    polling: Polling,
    progress: &mut dyn FnMut(&str),
) -> Result<CfnDriftReport, ApiError> {
    let mut out = Vec::new();
    for id in stacks {
        out.push(detect_one(api, id, polling, progress).await?);
    }
    Ok(CfnDriftReport {
        schema_version: CFN_DRIFT_SCHEMA_VERSION,
        stacks: out,
    })
}

async fn detect_one<A: CfnApi + DriftApi>(
    api: &A,
    id: &StackId,
    polling: Polling,
    progress: &mut dyn FnMut(&str),
) -> Result<StackDrift, ApiError> {
    let mut result = StackDrift {
        stack: id.name.clone(),
        region: id.region.clone(),
        status: "NOT_DEPLOYED".into(),
        reason: None,
        resources: Vec::new(),
        in_sync: 0,
        not_checked: 0,
    };
    let deployed = api.describe_stack(id).await?;
    let Some(info) = deployed.filter(|s| s.status != "DELETE_COMPLETE") else {
        return Ok(result);
    };
    if info.status == "REVIEW_IN_PROGRESS" {
        return Ok(result);
    }
    progress(&format!("detecting drift of {id}"));
    let detection_id = api.detect_stack_drift(id).await?;
    let mut waited = Duration::ZERO;
    let detection = loop {
        let d = api
            .drift_detection_status(&id.region, &detection_id)
            .await?;
        if d.status != "DETECTION_IN_PROGRESS" {
            break d;
        }
        if waited >= polling.limit {
            break Detection {
                status: "DETECTION_FAILED".into(),
                stack_drift_status: None,
                reason: Some(format!(
                    "still running after {} s; run drift again later",
                    polling.limit.as_secs()
                )),
            };
        }
        tokio::time::sleep(polling.interval).await;
        waited += polling.interval.max(Duration::from_millis(1));
    };
    result.reason = detection.reason.map(|r| inert(&r).into_owned());
    // A failed detection may still have checked most resources: what it
    // found is reported with the failure.
    let drifts =
        if detection.status == "DETECTION_COMPLETE" || detection.stack_drift_status.is_some() {
            api.stack_resource_drifts(id).await?
        } else {
            Vec::new()
        };
    for mut d in drifts {
        match d.status.as_str() {
            "IN_SYNC" => result.in_sync += 1,
            "MODIFIED" | "DELETED" => {
                mask(&mut d);
                result.resources.push(d);
            }
            _ => result.not_checked += 1,
        }
    }
    result
        .resources
        .sort_by(|a, b| a.logical_id.cmp(&b.logical_id));
    result.status = if detection.status == "DETECTION_FAILED" {
        "DETECTION_FAILED".into()
    } else if result.resources.is_empty() {
        "IN_SYNC".into()
    } else {
        "DRIFTED".into()
    };
    Ok(result)
}

/// Masks a difference whose property name or value looks secret, and
/// makes every service-given string inert.
fn mask(d: &mut ResourceDrift) {
    for p in &mut d.differences {
        let name = p
            .path
            .rsplit('/')
            .find(|s| !s.chars().all(|c| c.is_ascii_digit()))
            .unwrap_or_default()
            .to_string();
        let secret = [&p.expected, &p.actual]
            .into_iter()
            .flatten()
            .any(|v| is_sensitive(&name, v.trim_matches('"')));
        for v in [&mut p.expected, &mut p.actual].into_iter().flatten() {
            *v = if secret {
                format!("\"{MASK}\"")
            } else {
                inert(v).into_owned()
            };
        }
        p.path = inert(&p.path).into_owned();
    }
    d.logical_id = inert(&d.logical_id).into_owned();
    d.physical_id = d.physical_id.as_deref().map(|p| inert(p).into_owned());
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

fn difference_line(p: &PropertyDifference) -> String {
    let v = |x: &Option<String>| cut(x.as_deref().unwrap_or("(absent)"), 100);
    match p.kind.as_str() {
        "ADD" => format!("{}: added {}", p.path, v(&p.actual)),
        "REMOVE" => format!("{}: removed {}", p.path, v(&p.expected)),
        _ => format!("{}: {} → {}", p.path, v(&p.expected), v(&p.actual)),
    }
}

fn stack_line(s: &StackDrift) -> String {
    let checked = format!(
        "{} resource(s) in sync, {} not checked",
        s.in_sync, s.not_checked
    );
    match s.status.as_str() {
        "DRIFTED" => format!(
            "~ {} ({}): drifted: {} resource(s); {checked}",
            s.stack,
            s.region,
            s.resources.len()
        ),
        "IN_SYNC" => format!("= {} ({}): in sync; {checked}", s.stack, s.region),
        "NOT_DEPLOYED" => format!("  {} ({}): not deployed", s.stack, s.region),
        _ => format!(
            "! {} ({}): detection failed: {}",
            s.stack,
            s.region,
            s.reason.as_deref().unwrap_or("no reason given")
        ),
    }
}

/// Text: a line per stack, one per drifted resource, one per property
/// (`path: the template's value → the resource's`), then a summary.
pub fn text(r: &CfnDriftReport) -> String {
    let mut out = String::new();
    for s in &r.stacks {
        out.push_str(&stack_line(s));
        out.push('\n');
        for d in &s.resources {
            out.push_str(&format!(
                "    {} {} {}{}: {}\n",
                if d.status == "DELETED" { '-' } else { '~' },
                d.resource_type,
                d.logical_id,
                d.physical_id
                    .as_deref()
                    .map(|p| format!(" ({p})"))
                    .unwrap_or_default(),
                if d.status == "DELETED" {
                    "deleted outside CloudFormation"
                } else {
                    "modified outside CloudFormation"
                }
            ));
            for p in &d.differences {
                out.push_str(&format!("        {}\n", difference_line(p)));
            }
        }
    }
    let count = |st: &str| r.stacks.iter().filter(|s| s.status == st).count();
    out.push_str(&format!(
        "{} stack(s): {} drifted, {} in sync, {} not deployed, {} failed\n",
        r.stacks.len(),
        count("DRIFTED"),
        count("IN_SYNC"),
        count("NOT_DEPLOYED"),
        count("DETECTION_FAILED")
    ));
    // One line per entry: whatever a value holds cannot start another.
    out.lines().map(|l| format!("{}\n", inert(l))).collect()
}

/// Markdown: the summary line per stack and a table of drifted properties.
pub fn markdown(r: &CfnDriftReport) -> String {
    let esc = |s: &str| {
        let s = inert(s).replace('|', "\\|").replace('`', "'");
        s.replace('@', "@\u{200b}")
    };
    let mut out = String::from("### meshsynth drift: CloudFormation\n\n");
    for s in &r.stacks {
        out.push_str(&format!("- {}\n", esc(&stack_line(s))));
    }
    let rows: Vec<String> = r
        .stacks
        .iter()
        .flat_map(|s| {
            s.resources.iter().flat_map(move |d| {
                let head = format!(
                    "{} | `{}` | {}",
                    esc(&s.stack),
                    esc(&d.logical_id),
                    esc(&d.status)
                );
                if d.differences.is_empty() {
                    vec![format!("| {head} | | | |")]
                } else {
                    d.differences
                        .iter()
                        .map(|p| {
                            let v = |x: &Option<String>| {
                                x.as_deref()
                                    .map(|x| format!("`{}`", esc(&cut(x, 100))))
                                    .unwrap_or_else(|| "(absent)".into())
                            };
                            format!(
                                "| {head} | `{}` | {} | {} |",
                                esc(&p.path),
                                v(&p.expected),
                                v(&p.actual)
                            )
                        })
                        .collect()
                }
            })
        })
        .collect();
    if !rows.is_empty() {
        out.push_str("\n| Stack | Resource | Drift | Property | Template | Deployed |\n|---|---|---|---|---|---|\n");
        for row in rows.iter().take(200) {
            out.push_str(row);
            out.push('\n');
        }
        if rows.len() > 200 {
            out.push_str(&format!(
                "\n{} more row(s) not shown; `--format json` lists every one.\n",
                rows.len() - 200
            ));
        }
    }
    out
}

/// JSON: the report as data (docs/drift.md).
pub fn json(r: &CfnDriftReport) -> String {
    // Invariant: plain data with string keys always serializes.
    let mut s = serde_json::to_string_pretty(r).expect("drift report serializes");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests;
