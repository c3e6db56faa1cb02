//! The deploy engine against the fake CloudFormation: what the emulator
//! cannot show (rollbacks, per-resource events, outputs after change sets,
//! busy stacks, throttling, interrupts), each as one scenario.

use std::cell::RefCell;
use std::time::Duration;

use serde_json::json;

use super::api::{ResourceChange, StackId, TemplateSource};
use super::engine::{DeployOptions, Engine, Poll, Report, StackOutcome};
use super::events::{AlwaysAnswer, Approver, DeployEvent, Observer, Prompt, PromptKind};
use super::fake::{FakeCfn, NoChangeStyle};
use super::plan::{ParameterValue, Plan, PlannedStack};
use super::{approval::TypeHeuristic, DeployError, RequireApproval};

mod deploy;
mod import;
mod orphan;
mod outputs;
mod ownership;
mod recovery;
mod refactor;
mod safety;

const R: &str = "eu-west-1";

#[derive(Default)]
struct Log(RefCell<Vec<DeployEvent>>);

impl Observer for Log {
    fn on_event(&self, e: &DeployEvent) {
        self.0.borrow_mut().push(e.clone());
    }
}

impl Log {
    fn resource_events(&self, stack: &str) -> Vec<(String, String)> {
        self.0
            .borrow()
            .iter()
            .filter_map(|e| match e {
                DeployEvent::Resource {
                    stack: s, event, ..
                } if s.name == stack => Some((event.logical_id.clone(), event.status.clone())),
                _ => None,
            })
            .collect()
    }
}

/// Records the prompts it answers.
struct Answers {
    answer: Result<bool, String>,
    asked: RefCell<Vec<Prompt>>,
}

impl Answers {
    fn new(answer: Result<bool, String>) -> Answers {
        Answers {
            answer,
            asked: RefCell::new(Vec::new()),
        }
    }
}

impl Approver for Answers {
    async fn confirm(&self, prompt: &Prompt) -> Result<bool, String> {
        self.asked.borrow_mut().push(prompt.clone());
        self.answer.clone()
    }
}

fn template(resources: &[(&str, &str, serde_json::Value)], outputs: serde_json::Value) -> Vec<u8> {
    let mut r = serde_json::Map::new();
    for (id, ty, props) in resources {
        r.insert(id.to_string(), json!({"Type": ty, "Properties": props}));
    }
    serde_json::to_vec_pretty(&json!({"Resources": r, "Outputs": outputs})).unwrap()
}

fn stack(name: &str, template: Vec<u8>, after: &[&str]) -> PlannedStack {
    PlannedStack {
        id: StackId::new(R, name),
        template,
        after: after.iter().map(|s| s.to_string()).collect(),
        parameters: Vec::new(),
        termination_protection: false,
        account: None,
    }
}

fn plan(stacks: Vec<PlannedStack>) -> Plan {
    Plan {
        stacks,
        notes: Vec::new(),
    }
}

fn opts() -> DeployOptions {
    DeployOptions {
        require_approval: RequireApproval::Never,
        poll: Poll {
            initial: Duration::from_millis(10),
            max: Duration::from_millis(50),
        },
        ..Default::default()
    }
}

fn param(name: &str) -> (&str, &str, serde_json::Value) {
    (
        "Param",
        "AWS::SSM::Parameter",
        json!({"Name": name, "Type": "String", "Value": "v1"}),
    )
}

async fn deploy_with(
    fake: &FakeCfn,
    p: &Plan,
    o: DeployOptions,
    approver: &impl Approver,
) -> (Report, Log) {
    let log = Log::default();
    let report = {
        let engine = Engine::new(fake, fake, approver, &log, &TypeHeuristic, o);
        engine.deploy(p, std::future::pending()).await
    };
    (report, log)
}

async fn deploy(fake: &FakeCfn, p: &Plan) -> (Report, Log) {
    deploy_with(fake, p, opts(), &AlwaysAnswer(false)).await
}

fn outcomes(r: &Report) -> Vec<&StackOutcome> {
    r.stacks.iter().map(|s| &s.outcome).collect()
}
