//! MS-K8S-3: built-in objects the API server refuses though their schema
//! allows them fail synth, each finding naming the construct and the
//! field; the same objects as the API server takes them pass.

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Secret, Service};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use meshsynth::core::{App, Chart, ChartProps, Error};
use meshsynth::testing::synth_app;
use serde_json::{json, Value};

/// One object of each kind, `bad` as a user gets them wrong, otherwise as
/// the API server takes them.
fn platform(bad: bool) -> impl Fn(&mut App) -> Result<(), Error> {
    move |app: &mut App| {
        let chart = Chart::new(
            &mut app.root(),
            "Shop",
            ChartProps::new("prod").namespace("default"),
        )?;
        let mut c = app.scope(chart.node())?;
        let pick = |good: Value, wrong: Value| if bad { wrong } else { good };
        c.add_object(
            "Web",
            serde_json::from_value::<Service>(json!({"spec": {
                "selector": {"app": "web"},
                "ports": pick(
                    json!([{"name": "http", "port": 80, "targetPort": "http"},
                           {"name": "grpc", "port": 9090}]),
                    json!([{"port": 0, "targetPort": "HTTP"}, {"port": 9090}])),
            }}))
            .unwrap(),
        )?;
        c.add_object(
            "Settings",
            serde_json::from_value::<ConfigMap>(json!({
                "data": pick(json!({"log-level": "debug"}), json!({"log level": "debug"}))
            }))
            .unwrap(),
        )?;
        c.add_object(
            "Cert",
            serde_json::from_value::<Secret>(json!({
                "type": "kubernetes.io/tls",
                "stringData": pick(json!({"tls.crt": "C", "tls.key": "K"}), json!({"tls.crt": "C"})),
            }))
            .unwrap(),
        )?;
        let pod_labels = pick(json!({"app": "web"}), json!({"app": "website"}));
        c.add_object(
            "WebDeployment",
            serde_json::from_value::<Deployment>(json!({"spec": {
                "selector": {"matchLabels": {"app": "web"}},
                "strategy": {"rollingUpdate": pick(
                    json!({"maxSurge": 1, "maxUnavailable": 0}),
                    json!({"maxSurge": 0, "maxUnavailable": "0%"}))},
                "template": {
                    "metadata": {"labels": pod_labels},
                    "spec": {
                        "volumes": [{"name": "config", "configMap": {"name": "settings"}}],
                        "containers": [{
                            "name": "web",
                            "image": "example.com/web:1.0.0",
                            "ports": [{"containerPort": pick(json!(8080), json!(80800)), "name": "http"}],
                            "env": [pick(
                                json!({"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}),
                                json!({"name": "POD_IP", "value": "x", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}}))],
                            "volumeMounts": [{"name": pick(json!("config"), json!("settings")), "mountPath": "/etc/web"}],
                            "resources": {
                                "requests": {"cpu": "250m", "memory": pick(json!("512Mi"), json!("2Gi"))},
                                "limits": {"cpu": "0.25", "memory": "1Gi"},
                            },
                        }],
                    },
                },
            }}))
            .unwrap(),
        )?;
        let mut job = json!({"spec": {"template": {"spec": {
            "containers": [{"name": "migrate", "image": "example.com/migrate:1.0.0"}],
        }}}});
        if !bad {
            job["spec"]["template"]["spec"]["restartPolicy"] = json!("OnFailure");
        }
        c.add_object("Migrate", serde_json::from_value::<Job>(job).unwrap())?;
        c.add_object(
            "WebScaler",
            serde_json::from_value::<HorizontalPodAutoscaler>(json!({"spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                "minReplicas": pick(json!(2), json!(5)),
                "maxReplicas": 4,
            }}))
            .unwrap(),
        )?;
        c.add_object(
            "WebIngress",
            serde_json::from_value::<k8s_openapi::api::networking::v1::Ingress>(json!({"spec": {
                "rules": [{"host": "shop.example.com", "http": {"paths": [{
                    "path": pick(json!("/api"), json!("api")),
                    "pathType": "Prefix",
                    "backend": {"service": {"name": "web", "port": pick(
                        json!({"number": 80}),
                        json!({"number": 80, "name": "http"}))}},
                }]}}],
            }}))
            .unwrap(),
        )?;
        let mut budget =
            json!({"spec": {"selector": {"matchLabels": {"app": "web"}}, "minAvailable": 1}});
        if bad {
            budget["spec"]["maxUnavailable"] = json!(1);
        }
        c.add_object(
            "WebBudget",
            serde_json::from_value::<PodDisruptionBudget>(budget).unwrap(),
        )?;
        Ok(())
    }
}

#[test]
fn what_the_api_server_refuses_fails_synth_field_by_field() {
    let fine = synth_app(platform(false), &[]);
    assert!(fine.is_ok(), "{:?}", fine.err().map(|e| e.to_string()));

    let e = synth_app(platform(true), &[]).err().expect("refused");
    let text = e
        .diagnostics()
        .iter()
        .map(|d| format!("{}: {}", d.path, d.message))
        .collect::<Vec<_>>()
        .join("\n");
    let wanted = [
        "Shop/Web: spec.ports[0].name: required when a Service has more than one port",
        "Shop/Web: spec.ports[1].name: required when a Service has more than one port",
        "Shop/Web: spec.ports[0].port: 0 is not a port number",
        r#"Shop/Web: spec.ports[0].targetPort: "HTTP" is not a port name: only lower-case letters"#,
        r#"Shop/Settings: data: key "log level" is not valid"#,
        "Shop/Cert: data: a Secret of type kubernetes.io/tls needs the key tls.key",
        r#"Shop/WebDeployment: spec.template.metadata.labels: the selector {"app": "web"} does not select the template's own labels"#,
        "Shop/WebDeployment: spec.strategy.rollingUpdate.maxUnavailable: 0 while maxSurge is 0 too",
        "Shop/WebDeployment: spec.template.spec.containers[0].ports[0].containerPort: 80800 is not a port number",
        "Shop/WebDeployment: spec.template.spec.containers[0].env[0].valueFrom: set together with value",
        r#"Shop/WebDeployment: spec.template.spec.containers[0].volumeMounts[0].name: no volume of the pod is named "settings""#,
        "Shop/Migrate: spec.template.spec.restartPolicy: a Job's pods must be OnFailure or Never",
        "Shop/WebScaler: spec.maxReplicas: 4 is below minReplicas (5)",
        "Shop/WebBudget: spec: minAvailable and maxUnavailable are both set",
        r#"Shop/WebDeployment: spec.template.spec.containers[0].resources.requests["memory"]: "2Gi" is more than the limit, "1Gi""#,
        r#"Shop/WebIngress: spec.rules[0].http.paths[0].path: "api" is not an absolute path"#,
        "Shop/WebIngress: spec.rules[0].http.paths[0].backend.service.port: has both a name and a number",
    ];
    for want in wanted {
        assert!(text.contains(want), "{want}\nin: {text}");
    }
    let refused: Vec<_> = e
        .diagnostics()
        .into_iter()
        .filter(|d| d.code.as_deref() == Some("MS-K8S-3"))
        .collect();
    assert_eq!(refused.len(), wanted.len(), "{text}");
    assert!(refused.iter().all(|d| d.is_error()
        && d.hint.as_deref().is_some_and(|h| !h.is_empty())
        && d.message.ends_with("the API server refuses the object")));
}

/// A StatefulSet's containers mount its claim templates; the API server
/// takes a StatefulSet whatever its pod spec holds, and refuses the pods,
/// so the finding says so.
#[test]
fn a_statefulsets_pods_are_what_is_refused() {
    use k8s_openapi::api::apps::v1::StatefulSet;
    let build = |mount: &'static str| {
        move |app: &mut App| -> Result<(), Error> {
            let chart = Chart::new(
                &mut app.root(),
                "Db",
                ChartProps::new("prod").namespace("default"),
            )?;
            let mut c = app.scope(chart.node())?;
            let set = json!({"spec": {
                "serviceName": "db",
                "selector": {"matchLabels": {"app": "db"}},
                "template": {
                    "metadata": {"labels": {"app": "db"}},
                    "spec": {"containers": [{
                        "name": "db",
                        "image": "example.com/db:1.0.0",
                        "volumeMounts": [{"name": mount, "mountPath": "/var/lib/db"}],
                    }]},
                },
                "volumeClaimTemplates": [{
                    "metadata": {"name": "data"},
                    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
                }],
            }});
            c.add_object("Db", serde_json::from_value::<StatefulSet>(set).unwrap())?;
            Ok(())
        }
    };
    let fine = synth_app(build("data"), &[]);
    assert!(fine.is_ok(), "{:?}", fine.err().map(|e| e.to_string()));
    let e = synth_app(build("date"), &[]).err().expect("refused");
    let d = e.diagnostics();
    assert_eq!(d.len(), 1, "{e}");
    assert_eq!(
        d[0].message,
        "spec.template.spec.containers[0].volumeMounts[0].name: no volume of the pod is named \"date\"; \
         the API server refuses every pod the StatefulSet creates (it takes the StatefulSet, which never runs a pod)"
    );
}

/// `analyze` reads Jobs and CronJobs for the same rules: a Job's pods
/// that restart `Always` (unset) and a CronJob's container name the API
/// server refuses are reported on their objects; the fixed ones are not.
#[test]
fn analyze_checks_jobs_and_cronjobs() {
    let yaml = |restart: &str, name: &str| {
        format!(
            "apiVersion: batch/v1\nkind: Job\nmetadata: {{name: migrate, namespace: shop}}\nspec:\n  template:\n    spec:\n{restart}      containers:\n      - {{name: migrate, image: example.com/migrate:1}}\n---\napiVersion: batch/v1\nkind: CronJob\nmetadata: {{name: report, namespace: shop}}\nspec:\n  schedule: \"0 3 * * *\"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n          containers:\n          - {{name: {name}, image: example.com/report:1}}\n"
        )
    };
    let found = |text: String| {
        let report = analyzed(text);
        assert!(report.skipped.is_empty(), "{:?}", report.skipped);
        report
            .findings
            .into_iter()
            .map(|f| format!("{} {} {}", f.code, f.kind.unwrap_or_default(), f.message))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        found(yaml("", "Report")),
        [
            "MS-K8S-3 Job spec.template.spec.restartPolicy: a Job's pods must be OnFailure or Never \
             (unset means Always); the API server refuses the object",
            "MS-K8S-3 CronJob spec.jobTemplate.spec.template.spec.containers[0].name: \"Report\" is not \
             a DNS-1123 label: use lower-case letters, digits and '-', starting and ending with a letter \
             or digit; the API server refuses the object",
        ]
    );
    assert_eq!(
        found(yaml("      restartPolicy: Never\n", "report")),
        Vec::<String>::new()
    );
}

/// `analyze` holds every object's metadata to the rules synth does: a
/// name by its kind's rule, the namespace's name, label keys. RBAC names
/// are path segments (`system:…` roles), at synth too.
#[test]
fn analyze_checks_names_labels_and_namespaces() {
    let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Web_Settings, namespace: shop, labels: {\"bad key!\": v}}\ndata: {a: b}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web.api, namespace: Shop}\nspec:\n  ports: [{name: http, port: 80}]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine.settings, namespace: shop, labels: {app.kubernetes.io/name: web}}\ndata: {a: b}\n";
    let report = analyzed(text.into());
    let found: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.code == "MS-K8S-3")
        .map(|f| format!("{} {}", f.name.as_deref().unwrap_or_default(), f.message))
        .collect();
    let want = [
        "Web_Settings ConfigMap name: \"Web_Settings\" is not a DNS-1123 subdomain",
        "Web_Settings metadata.labels: key \"bad key!\" is not a valid label key",
        "web.api Service name: \"web.api\" is not a DNS-1123 label",
        "web.api namespace: \"Shop\" is not a DNS-1123 label",
    ];
    assert_eq!(found.len(), want.len(), "{found:#?}");
    for (f, w) in found.iter().zip(want) {
        assert!(f.starts_with(w), "{f}\nwanted: {w}");
        assert!(f.ends_with("the API server refuses the object"), "{f}");
    }

    let role = |name: &'static str| {
        move |app: &mut App| -> Result<(), Error> {
            let chart = Chart::new(&mut app.root(), "Rbac", ChartProps::new("prod"))?;
            let mut c = app.scope(chart.node())?;
            let mut role = k8s_openapi::api::rbac::v1::ClusterRole::default();
            role.metadata.name = Some(name.into());
            c.add_object("Reader", role)?;
            Ok(())
        }
    };
    let fine = synth_app(role("system:my-reader"), &[]);
    assert!(fine.is_ok(), "{:?}", fine.err().map(|e| e.to_string()));
    let e = synth_app(role("a/b"), &[]).err().expect("refused");
    assert!(
        e.to_string()
            .contains("ClusterRole name: \"a/b\" is not a valid name"),
        "{e}"
    );
}

/// A CronJob's pod template is held to the label rules, at its own path.
#[test]
fn analyze_checks_a_cronjobs_template_labels() {
    let text = "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: report, namespace: shop}\nspec:\n  schedule: \"0 3 * * *\"\n  jobTemplate:\n    spec:\n      template:\n        metadata: {labels: {app: \"-report\"}}\n        spec:\n          restartPolicy: OnFailure\n          containers: [{name: report, image: example.com/report:1}]\n";
    let found: Vec<String> = analyzed(text.into())
        .findings
        .into_iter()
        .map(|f| format!("{} {}", f.code, f.message))
        .collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with(
            "MS-K8S-3 spec.jobTemplate.spec.template.metadata.labels[\"app\"]: \"-report\" is not a valid label value"
        ),
        "{}",
        found[0]
    );
}

/// A Job named by `generateName` (how `kubectl create` runs one) is not
/// missing its name; an object with neither is.
#[test]
fn analyze_takes_generate_name_for_a_name() {
    let codes = |meta: &str| {
        let text = format!("apiVersion: batch/v1\nkind: Job\nmetadata: {{{meta}namespace: shop}}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{{name: m, image: example.com/m:1}}]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{{meta}namespace: shop}}\ndata: {{a: b}}\n");
        analyzed(text)
            .findings
            .into_iter()
            .map(|f| format!("{} {}", f.code, f.message))
            .collect::<Vec<_>>()
    };
    assert_eq!(codes("generateName: migrate-, "), Vec::<String>::new());
    assert_eq!(
        codes(""),
        [
            "IST0106 metadata.name: required",
            "IST0106 metadata.name: required"
        ]
    );
}

/// `meshsynth analyze` of one file holding `text`.
fn analyzed(text: String) -> meshsynth::analyze::Report {
    let sources = [meshsynth::analyze::Source {
        name: "input.yaml".into(),
        text,
    }];
    meshsynth::analyze::analyze_sources(&sources, &meshsynth::analyze::Options::default()).unwrap()
}
