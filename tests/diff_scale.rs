//! Scale: two assemblies of 10,000 resources (20 stacks × 500) and 2,000
//! Kubernetes objects, with updates, replacements, renames and removals,
//! loaded from disk, compared and rendered in every format. The CPU-time
//! bound here is generous for debug builds; `docs/diff.md` records the release timing
//! (`cargo test --release --test it diff_scale:: -- --nocapture`).

use crate::diff_support;

use std::time::Instant;

use meshsynth::assembly::load_assembly;
use meshsynth::diff::render::{json, markdown, text};
use meshsynth::diff::{plan, Baseline, StackFilter};
use serde_json::{json, Map, Value as Json};

const STACKS: usize = 20;
const PER_STACK: usize = 500;
const OBJECTS: usize = 2000;

fn resource(i: usize, changed: bool) -> (String, Json) {
    let cidr = if changed {
        "10.9.0.0/24"
    } else {
        "10.0.0.0/24"
    };
    match i % 4 {
        0 => (
            format!("Subnet{i:08X}"),
            json!({"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": cidr,
                "Tags": [{"Key": "n", "Value": i.to_string()}]}}),
        ),
        1 => (
            format!("Sg{i:08X}"),
            json!({"Type": "AWS::EC2::SecurityGroup", "Properties": {"GroupDescription": format!("sg {i}"),
                "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": cidr}]}}),
        ),
        2 => (
            format!("Role{i:08X}"),
            json!({"Type": "AWS::IAM::Role", "Properties": {
                "AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                    "Principal": {"Service": "ec2.amazonaws.com"}}]},
                "Policies": [{"PolicyName": "p", "PolicyDocument": {"Statement": [{"Effect": "Allow",
                    "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::b{i}/{cidr}")}]}}]}}),
        ),
        _ => (
            format!("Topic{i:08X}"),
            json!({"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": format!("t{i}{}", if changed { "x" } else { "" })}}),
        ),
    }
}

fn assembly(after: bool) -> (Vec<diff_support::StackSpec>, Vec<diff_support::ClusterSpec>) {
    let names: Vec<&'static str> = (0..STACKS)
        .map(|s| &*Box::leak(format!("stack-{s:02}").into_boxed_str()))
        .collect();
    let mut stacks = Vec::new();
    for (s, name) in names.iter().enumerate() {
        let mut res = Map::new();
        for k in 0..PER_STACK {
            let i = s * PER_STACK + k;
            let changed = after && i % 20 == 0;
            let (mut id, body) = resource(i, changed);
            if after && i % 97 == 0 {
                id.push_str("Renamed");
            }
            if after && i % 101 == 0 {
                continue;
            }
            res.insert(id, body);
        }
        stacks.push((*name, json!({"Resources": res})));
    }
    let docs: Vec<Json> = (0..OBJECTS)
        .map(|i| {
            let image = if after && i % 10 == 0 {
                "app:2"
            } else {
                "app:1"
            };
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": format!("d{i}"), "namespace": "ns"},
                "spec": {"selector": {"matchLabels": {"app": format!("d{i}")}},
                    "template": {"spec": {"containers": [{"name": "app", "image": image}]}}}})
        })
        .collect();
    (stacks, vec![("main", vec![("stack-00", docs)])])
}

/// CPU time of this thread (Linux; `None` elsewhere), so the numbers mean
/// something on a busy machine too.
fn thread_cpu() -> Option<std::time::Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // Fields after the command name (which is in parentheses).
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on Linux.
    Some(std::time::Duration::from_millis(ticks * 10))
}

#[test]
fn ten_thousand_resources() {
    let t = tempfile::tempdir().unwrap();
    let (bs, bc) = assembly(false);
    let (a_s, ac) = assembly(true);
    diff_support::write(&t.path().join("base"), &bs, &bc);
    diff_support::write(&t.path().join("head"), &a_s, &ac);

    let started = Instant::now();
    let cpu0 = thread_cpu();
    let after = load_assembly(&t.path().join("head")).unwrap();
    let before = Baseline::Assembly(t.path().join("base")).load(&[]).unwrap();
    let loaded = started.elapsed();
    let cpu1 = thread_cpu();
    let p = plan(&before, &after, &StackFilter::default()).unwrap();
    let planned = started.elapsed();
    let cpu2 = thread_cpu();
    let (txt, md, js) = (text(&p, false), markdown(&p).unwrap(), json(&p));
    let rendered = started.elapsed();
    let cpu3 = thread_cpu();
    if let (Some(a), Some(b), Some(c), Some(d)) = (cpu0, cpu1, cpu2, cpu3) {
        println!(
            "cpu: load {:?}, plan {:?}, render {:?}",
            b - a,
            c - b,
            d - c
        );
    }
    println!(
        "wall: load {loaded:?}, plan {:?}, render {:?}; {} resource changes, {} object changes; markdown {} chars, text {} bytes, json {} bytes",
        planned - loaded,
        rendered - planned,
        p.stacks.iter().map(|s| s.resources.len()).sum::<usize>(),
        p.clusters.iter().map(|c| c.objects.len()).sum::<usize>(),
        md.chars().count(),
        txt.len(),
        js.len()
    );
    assert!(
        p.summary.resources.renamed + p.summary.resources.moved > 50,
        "{:?}",
        p.summary.resources
    );
    assert!(
        md.chars().count() <= 60_000,
        "the PR comment must fit GitHub's limit"
    );
    // A guard against a quadratic step, not a speed target (those are in
    // the benchmark, `stacks/benches/synth.rs`): this thread's CPU time,
    // not wall time, since the suite builds and tests beside this test.
    // A debug build used 11.8 s on the slowest CI host seen (2026-11-28),
    // where the wall time was 24 s; a quadratic match of 10,000 resources
    // would take minutes.
    if let (Some(a), Some(d)) = (cpu0, cpu3) {
        assert!((d - a).as_secs_f64() < 60.0, "took {:?} of CPU", d - a);
    }
}
