//! `meshsynth::testing` on a real app (the starter): what a platform crate's
//! own tests use. Each matcher must pass on what is there and fail on what
//! is not.

use meshsynth::testing::{synth_app, Synthesized};
use serde_json::json;

fn starter() -> Synthesized {
    synth_app(
        meshsynth_stacks::testapps::starter::build,
        &[("starter:region", "eu-west-1")],
    )
    .expect("starter synthesizes")
}

#[test]
fn templates_resources_and_objects_are_found_and_matched() {
    let s = starter();
    assert_eq!(s.stack_names(), ["starter-network", "starter-services"]);
    let services = s.template("starter-services");
    services.resource_count_is("AWS::EC2::SecurityGroup", 1);
    services.has_resource_properties(
        "AWS::EC2::SecurityGroup",
        json!({ "SecurityGroupEgress": [{ "FromPort": 443, "ToPort": 443 }] }),
    );
    services.has_resource(
        "AWS::EC2::SecurityGroup",
        json!({ "Properties": { "VpcId": { "Fn::ImportValue": "starter-network:ExportVpcCFCF4CD8RefE840C767" } } }),
    );
    let sg = s.resource_at("starter-services/AppSecurityGroup");
    assert_eq!(sg["Type"], "AWS::EC2::SecurityGroup");
    assert!(s
        .logical_id_of("starter-services/AppSecurityGroup")
        .is_some());
    let ns = s.object("Namespace", "starter");
    ns.has(json!({ "metadata": { "labels": { "istio-injection": "enabled" } } }));
    assert_eq!(
        s.object_at("starter-services/Cluster/Namespace").name(),
        "starter"
    );
    let manifests = s.cluster_manifests("starter");
    assert!(manifests.starts_with("# file: k8s/starter/"), "{manifests}");
    assert!(manifests.contains("kind: Namespace"));
    assert_eq!(
        s.file("manifest.json")
            .map(|m| m.contains("\"version\": \"1\"")),
        Some(true)
    );
    // The template text is exactly what synth writes to disk.
    let on_disk = s.file("starter-services.template.json").unwrap();
    assert_eq!(services.to_json(), on_disk);
}

#[test]
#[should_panic(expected = "expected 2 AWS::EC2::SecurityGroup resource(s), found 1")]
fn a_wrong_count_fails() {
    starter()
        .template("starter-services")
        .resource_count_is("AWS::EC2::SecurityGroup", 2);
}

#[test]
#[should_panic(expected = "no AWS::EC2::SecurityGroup has properties matching")]
fn a_property_mismatch_fails() {
    starter()
        .template("starter-services")
        .has_resource_properties(
            "AWS::EC2::SecurityGroup",
            json!({ "SecurityGroupEgress": [{ "FromPort": 80 }] }),
        );
}

#[test]
#[should_panic(
    expected = "no stack \"nope\"; the stacks are [\"starter-network\", \"starter-services\"]"
)]
fn an_unknown_stack_names_the_stacks() {
    starter().template("nope");
}

#[test]
#[should_panic(expected = "no Namespace named \"other\"")]
fn a_missing_object_fails() {
    starter().object("Namespace", "other");
}

#[test]
fn a_bad_app_is_an_error_not_a_panic() {
    let r = synth_app(
        meshsynth_stacks::testapps::starter::build,
        &[("starter:region", "not a region!")],
    );
    assert!(r.is_err());
}
