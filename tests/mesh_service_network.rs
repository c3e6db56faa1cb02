//! The NetworkPolicy every MeshService emits: what it admits, and the props
//! that change it.

use meshsynth::mesh::namespace::{MeshMode, MeshNamespace, MeshNamespaceProps};
use meshsynth::mesh::service::{MeshService, MeshServiceProps};
use meshsynth::testing::synth_app;
use meshsynth::{App, Chart, ChartProps, Error};
use serde_json::json;

fn app(props: MeshServiceProps) -> impl Fn(&mut App) -> Result<(), Error> {
    move |app: &mut App| {
        let chart = Chart::new(
            &mut app.root(),
            "Shop",
            ChartProps::new("prod").namespace("shop"),
        )?;
        let mut c = app.scope(chart.node())?;
        MeshNamespace::new(
            &mut c,
            "Namespace",
            MeshNamespaceProps {
                name: "shop".into(),
                mesh: MeshMode::Ambient,
                ..Default::default()
            },
        )?;
        // The callers' namespace (an unknown one is MS-MESH-11).
        MeshNamespace::new(
            &mut c,
            "WebNamespace",
            MeshNamespaceProps {
                name: "web".into(),
                mesh: MeshMode::Ambient,
                ..Default::default()
            },
        )?;
        MeshService::new(&mut c, "Orders", props.clone())?;
        Ok(())
    }
}

fn orders() -> MeshServiceProps {
    MeshServiceProps {
        name: "orders".into(),
        image: "registry.example.com/orders:1.4.2".into(),
        port: 9000,
        allowed_callers: vec![("web".into(), "frontend".into())],
        ..Default::default()
    }
}

#[test]
fn a_mesh_service_admits_its_callers_namespaces_on_its_port_and_hbone() {
    let s = synth_app(app(orders()), &[]).unwrap();
    s.object("NetworkPolicy", "orders").has(json!({
        "spec": {
            "podSelector": { "matchLabels": { "app": "orders" } },
            "policyTypes": ["Ingress"],
            "ingress": [
                {
                    "from": [{ "namespaceSelector": { "matchLabels": { "kubernetes.io/metadata.name": "web" } } }],
                    "ports": [{ "port": 9000, "protocol": "TCP" }, { "port": 15008, "protocol": "TCP" }]
                },
                {
                    "from": [{ "ipBlock": { "cidr": "169.254.7.127/32" } }],
                    "ports": [{ "port": 9000, "protocol": "TCP" }]
                }
            ]
        }
    }));
}

#[test]
fn network_peers_are_admitted_on_every_port_and_the_policy_can_be_left_to_the_user() {
    let s = synth_app(
        app(MeshServiceProps {
            network_peers: vec!["monitoring".into()],
            ..orders()
        }),
        &[],
    )
    .unwrap();
    let np = s.object("NetworkPolicy", "orders");
    let rules = np.json()["spec"]["ingress"].as_array().unwrap().clone();
    assert_eq!(rules.len(), 3);
    assert_eq!(
        rules[2],
        json!({ "from": [{ "namespaceSelector": { "matchLabels": { "kubernetes.io/metadata.name": "monitoring" } } }] })
    );

    let s = synth_app(
        app(MeshServiceProps {
            network_policy: false,
            ..orders()
        }),
        &[],
    )
    .unwrap();
    assert!(s.objects_of_kind("NetworkPolicy").is_empty());
}

#[test]
fn a_bad_peer_namespace_is_one_error_naming_the_construct() {
    let e = synth_app(
        app(MeshServiceProps {
            network_peers: vec!["Not A Namespace".into()],
            ..orders()
        }),
        &[],
    )
    .err()
    .expect("refused");
    let msg = e.to_string();
    assert!(msg.contains("Shop/Orders/NetworkPolicy"), "{msg}");
    assert!(msg.contains("network peer namespace"), "{msg}");
}

#[test]
fn workloads_record_why_checkov_image_checks_are_answered_otherwise() {
    let s = synth_app(app(orders()), &[]).unwrap();
    let ann = s.object("Deployment", "orders").json()["metadata"]["annotations"].clone();
    assert!(ann["checkov.io/skip1"]
        .as_str()
        .unwrap()
        .starts_with("CKV_K8S_15="));
    assert!(ann["checkov.io/skip2"]
        .as_str()
        .unwrap()
        .starts_with("CKV_K8S_43="));

    // Pinned by digest: only the pull-policy exception remains.
    let digest = format!("sha256:{}", "ab".repeat(32));
    let s = synth_app(
        app(MeshServiceProps {
            image: meshsynth::core::ImageRef::by_digest("registry.example.com/orders", &digest)
                .unwrap()
                .into(),
            ..orders()
        }),
        &[],
    )
    .unwrap();
    let ann = s.object("Deployment", "orders").json()["metadata"]["annotations"].clone();
    assert!(ann["checkov.io/skip1"]
        .as_str()
        .unwrap()
        .starts_with("CKV_K8S_15="));
    assert!(ann.get("checkov.io/skip2").is_none(), "{ann}");
}

/// Behind a waypoint, ztunnel sees the waypoint's identity (Istio's ambient
/// docs): the workload policy admits the waypoint, and the callers are
/// checked by the waypoint through a policy attached to the Service.
#[test]
fn behind_a_waypoint_the_workload_admits_the_waypoint_and_the_waypoint_the_callers() {
    use meshsynth::mesh::gateway_api::{Waypoint, WaypointProps};
    let s = synth_app(
        |app: &mut App| {
            let chart = Chart::new(
                &mut app.root(),
                "Shop",
                ChartProps::new("prod").namespace("shop"),
            )?;
            let mut c = app.scope(chart.node())?;
            for (id, ns) in [("Namespace", "shop"), ("WebNamespace", "web")] {
                MeshNamespace::new(
                    &mut c,
                    id,
                    MeshNamespaceProps {
                        name: ns.into(),
                        mesh: MeshMode::Ambient,
                        ..Default::default()
                    },
                )?;
            }
            Waypoint::new(&mut c, "Waypoint", WaypointProps::default())?;
            MeshService::new(
                &mut c,
                "Orders",
                MeshServiceProps {
                    waypoint: Some("waypoint".into()),
                    ..orders()
                },
            )?;
            Ok(())
        },
        &[],
    )
    .unwrap();
    s.object("AuthorizationPolicy", "orders").has(json!({
        "spec": {
            "selector": { "matchLabels": { "app": "orders" } },
            "rules": [{ "from": [{ "source": { "principals": ["cluster.local/ns/shop/sa/waypoint"] } }] }]
        }
    }));
    s.object("AuthorizationPolicy", "orders-callers").has(json!({
        "spec": {
            "targetRefs": [{ "group": "", "kind": "Service", "name": "orders" }],
            "rules": [{ "from": [{ "source": { "principals": ["cluster.local/ns/web/sa/frontend"] } }] }]
        }
    }));
}

/// A wrong `scaling` is named in the terms the author wrote
/// (`Scaling::Hpa { min, max }`), not the autoscaler's props.
#[test]
fn a_wrong_scaling_is_named_in_its_own_terms() {
    use meshsynth::mesh::service::Scaling;
    let with = |scaling: Scaling| {
        let err = synth_app(
            app(MeshServiceProps {
                scaling,
                ..orders()
            }),
            &[],
        )
        .err()
        .expect("refused")
        .to_string();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("Shop/Orders:"), "{err}");
        err
    };
    let hpa = |min, max, cpu| Scaling::Hpa {
        min,
        max,
        cpu_percent: cpu,
        memory_percent: None,
        extra: vec![],
        scale_up: None,
        scale_down: None,
    };
    let err = with(hpa(5, 2, Some(70)));
    assert!(
        err.contains("Scaling::Hpa { min: 5, max: 2 } is not a range"),
        "{err}"
    );
    assert!(!err.contains("min_replicas"), "{err}");
    let err = with(hpa(1, 3, None));
    assert!(
        err.contains("has no metric") && err.contains("cpu_percent: Some(70)"),
        "{err}"
    );
    let err = with(Scaling::Keda {
        min: 0,
        max: 5,
        triggers: vec![],
        aws_identity: meshsynth::mesh::keda::AwsIdentity::Keda,
    });
    assert!(err.contains("Scaling::Keda has no trigger"), "{err}");
    let err = with(Scaling::Fixed(-1));
    assert!(err.contains("negative replica count"), "{err}");
    assert!(synth_app(
        app(MeshServiceProps {
            scaling: hpa(2, 10, Some(70)),
            ..orders()
        }),
        &[]
    )
    .is_ok());
}
