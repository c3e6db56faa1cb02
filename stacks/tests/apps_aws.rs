//! The genai-demo and cross-region-mesh reference apps: the values of
//! REFERENCE.md (sections 1 and 3) are present in the synthesized assembly,
//! the `services` and `regions` knobs work, and large service counts stay
//! within CloudFormation's limits.

use std::collections::BTreeMap;

use meshsynth::core::{App, Context};
use meshsynth::synth::{synth, SynthOptions};
use meshsynth_stacks::{cross_region_mesh, genai_demo, AppFn};
use serde_json::Value as Json;

/// Every file of one app's assembly, by path.
struct Out {
    files: BTreeMap<String, String>,
}

impl Out {
    fn template(&self, stack: &str) -> Json {
        let text = self
            .files
            .get(&format!("{stack}.template.json"))
            .unwrap_or_else(|| panic!("no template {stack}"));
        serde_json::from_str(text).expect("template is JSON")
    }

    fn templates(&self) -> Vec<(String, Json)> {
        self.files
            .iter()
            .filter(|(f, _)| f.ends_with(".template.json"))
            .map(|(f, t)| (f.clone(), serde_json::from_str(t).expect("JSON")))
            .collect()
    }

    fn manifest(&self) -> Json {
        serde_json::from_str(&self.files["manifest.json"]).expect("manifest is JSON")
    }

    /// Every Kubernetes object of a cluster's kustomization.
    fn objects(&self, cluster: &str) -> Vec<Json> {
        self.files
            .iter()
            .filter(|(f, _)| {
                f.starts_with(&format!("k8s/{cluster}/"))
                    && f.ends_with(".yaml")
                    && !f.ends_with("kustomization.yaml")
                    && !f.ends_with(".values.yaml")
                    && !f.ends_with(".istiooperator.yaml")
            })
            .flat_map(|(_, text)| {
                serde_yaml::Deserializer::from_str(text)
                    .map(|d| {
                        serde_json::to_value(serde_yaml::Value::deserialize(d).unwrap()).unwrap()
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    fn object(&self, cluster: &str, kind: &str, name: &str) -> Json {
        self.objects(cluster)
            .into_iter()
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no {kind} {name} in {cluster}"))
    }
}

use serde::Deserialize;

fn run(build: AppFn, ctx: &[&str]) -> Result<Out, String> {
    let mut app = App::new(Context::from_pairs(ctx).map_err(|e| e.to_string())?);
    build(&mut app).map_err(|e| e.to_string())?;
    let out =
        synth(app, &SynthOptions::default()).map_err(|e| format!("{e}: {:#?}", e.diagnostics()))?;
    assert!(out.diagnostics.is_empty(), "{:#?}", out.diagnostics);
    Ok(Out {
        files: out
            .assembly
            .all_files()
            .into_iter()
            .map(|(f, b)| (f, String::from_utf8(b).expect("UTF-8")))
            .collect(),
    })
}

/// Resources of one CloudFormation type in a template.
fn resources<'a>(t: &'a Json, ty: &str) -> Vec<&'a Json> {
    t["Resources"]
        .as_object()
        .expect("Resources")
        .values()
        .filter(|r| r["Type"] == ty)
        .collect()
}

fn has_tag(r: &Json, key: &str, value: &str) -> bool {
    r["Properties"]["Tags"]
        .as_array()
        .is_some_and(|tags| tags.iter().any(|t| t["Key"] == key && t["Value"] == value))
}

/// CloudFormation limits: 500 resources, 200 outputs, 1 MB of template.
fn assert_within_limits(out: &Out) {
    for (file, t) in out.templates() {
        let n = t["Resources"].as_object().map_or(0, |r| r.len());
        let o = t["Outputs"].as_object().map_or(0, |r| r.len());
        assert!(n <= 500, "{file}: {n} resources");
        assert!(o <= 200, "{file}: {o} outputs");
        assert!(out.files[&file].len() <= 1_000_000, "{file} over 1 MB");
    }
}

#[test]
fn genai_demo_network_cluster_and_nodes() {
    let out = run(genai_demo::build, &[]).unwrap();
    let net = out.template("genai-demo-network");
    assert_eq!(
        resources(&net, "AWS::EC2::Subnet").len(),
        6,
        "public + private in 3 AZs"
    );
    assert!(resources(&net, "AWS::EC2::SecurityGroup")
        .iter()
        .any(|g| g["Properties"]["GroupDescription"] == "genai-demo EKS worker nodes"));
    let ingress: Vec<&Json> = resources(&net, "AWS::EC2::SecurityGroupIngress")
        .into_iter()
        .map(|r| &r["Properties"])
        .collect();
    assert_eq!(ingress.len(), 1, "{ingress:?}");
    assert_eq!(ingress[0]["FromPort"], 443);
    assert_eq!(ingress[0]["ToPort"], 443);
    assert_eq!(ingress[0]["IpProtocol"], "tcp");
    assert_eq!(ingress[0]["CidrIp"], "10.0.0.0/16");

    let cluster = out.template("genai-demo-cluster");
    assert_eq!(
        resources(&cluster, "AWS::EKS::Cluster")[0]["Properties"]["Name"],
        "genai-demo-cluster"
    );
    let ng = &resources(&cluster, "AWS::EKS::Nodegroup")[0]["Properties"];
    assert_eq!(ng["NodegroupName"], "genai-demo-spot-nodes");
    assert_eq!(ng["CapacityType"], "SPOT");
    assert_eq!(
        ng["InstanceTypes"],
        serde_json::json!(["t3.medium", "t3.large"])
    );
    assert_eq!(
        ng["ScalingConfig"],
        serde_json::json!({"MinSize": 1, "DesiredSize": 2, "MaxSize": 10})
    );
    assert_eq!(ng["Subnets"].as_array().unwrap().len(), 3);
}

#[test]
fn genai_demo_databases_and_their_access() {
    let out = run(genai_demo::build, &[]).unwrap();
    let data = out.template("genai-demo-data-1");
    let dbs = resources(&data, "AWS::RDS::DBInstance");
    assert_eq!(dbs.len(), 6, "one database per service");
    let order = dbs
        .iter()
        .find(|d| d["Properties"]["DBInstanceIdentifier"] == "genai-demo-order-db")
        .expect("order db");
    let p = &order["Properties"];
    assert_eq!(p["Engine"], "postgres");
    assert!(p["EngineVersion"].as_str().unwrap().starts_with("14."));
    assert_eq!(p["DBInstanceClass"], "db.t3.micro");
    assert_eq!(p["DBName"], "orderdb");
    assert_eq!(p["MasterUsername"], "orderuser");
    assert_eq!(p["ManageMasterUserPassword"], true);
    assert_eq!(p["AllocatedStorage"], "20");
    assert_eq!(p["MaxAllocatedStorage"], 100);
    assert_eq!(p["StorageEncrypted"], true);
    assert_eq!(p["BackupRetentionPeriod"], 7);
    assert_eq!(p["PreferredBackupWindow"], "03:00-04:00");
    assert_eq!(p["PreferredMaintenanceWindow"], "sun:04:00-sun:05:00");
    assert_eq!(order["DeletionPolicy"], "Snapshot");
    assert!(has_tag(order, "Service", "order-service"));
    let payment = dbs
        .iter()
        .find(|d| d["Properties"]["DBInstanceIdentifier"] == "genai-demo-payment-db")
        .expect("payment db");
    assert_eq!(payment["Properties"]["DBName"], "paymentdb");
    assert!(has_tag(payment, "Service", "payment-service"));

    // 5432 only from the node security group: no CIDR rule on any DB group.
    let rules = resources(&data, "AWS::EC2::SecurityGroupIngress");
    assert_eq!(rules.len(), 6);
    for r in rules {
        assert_eq!(r["Properties"]["FromPort"], 5432);
        assert!(r["Properties"]["SourceSecurityGroupId"]["Fn::ImportValue"].is_string());
        assert!(r["Properties"].get("CidrIp").is_none());
    }
    for g in resources(&data, "AWS::EC2::SecurityGroup") {
        assert!(g["Properties"].get("SecurityGroupIngress").is_none());
    }

    // SSM holds plain configuration only, under /genai-demo/<service>/.
    let names: Vec<&str> = resources(&data, "AWS::SSM::Parameter")
        .iter()
        .map(|p| p["Properties"]["Name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"/genai-demo/order/database/url"));
    assert!(names.contains(&"/genai-demo/order/database/username"));
    assert!(names.iter().all(|n| !n.contains("password")));

    // ECR repositories, and images built from them.
    let repos: Vec<&str> = resources(&data, "AWS::ECR::Repository")
        .iter()
        .map(|r| r["Properties"]["RepositoryName"].as_str().unwrap())
        .collect();
    assert!(repos.contains(&"genai-demo/order-service"));
    let rollout = out.object("genai-demo-cluster", "Rollout", "order-service");
    let container = &rollout["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        container["image"],
        "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/genai-demo/order-service:1.0.0"
    );
    assert_eq!(container["ports"][0]["containerPort"], 8080);
    // The database endpoint reaches the pod as a deferred input.
    let env = container["env"].as_array().unwrap();
    let host = env.iter().find(|e| e["name"] == "DB_HOST").unwrap();
    assert!(host["value"]
        .as_str()
        .unwrap()
        .starts_with("${meshsynth:genai-demo-data-1/Order/Database/Resource#Endpoint.Address"));
    let manifest = out.manifest();
    let deferred = serde_json::to_string(&manifest).unwrap();
    assert!(deferred.contains("genai-demo-data-1/Order/Database/Resource#Endpoint.Address"));
}

#[test]
fn genai_demo_irsa_roles_are_scoped_per_service() {
    let out = run(genai_demo::build, &[]).unwrap();
    let data = out.template("genai-demo-data-1");
    for svc in ["order", "payment", "notification"] {
        let sa_name = format!("{svc}-service-sa");
        let sa = out.object("genai-demo-cluster", "ServiceAccount", &sa_name);
        assert_eq!(sa["metadata"]["namespace"], "genai-demo");
        let arn = sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
            .as_str()
            .unwrap();
        let role_name = arn.rsplit('/').next().unwrap();
        let role = resources(&data, "AWS::IAM::Role")
            .into_iter()
            .find(|r| r["Properties"]["RoleName"] == role_name)
            .expect("the annotated role exists");
        let trust = role["Properties"]["AssumeRolePolicyDocument"].to_string();
        assert!(trust.contains(&format!("system:serviceaccount:genai-demo:{sa_name}")));
        let policy = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"].clone();
        assert_eq!(
            policy[0]["Action"],
            serde_json::json!([
                "ssm:GetParameter",
                "ssm:GetParameters",
                "ssm:GetParametersByPath"
            ])
        );
        assert!(policy[0]["Resource"]
            .to_string()
            .contains(&format!(":parameter/genai-demo/{svc}/*")));
        assert_eq!(policy[1]["Action"], "rds:DescribeDBInstances");
        assert!(policy[1]["Resource"]["Fn::GetAtt"].is_array());
    }
}

#[test]
fn genai_demo_messaging() {
    let out = run(genai_demo::build, &[]).unwrap();
    let t = out.template("genai-demo-messaging");
    let msk = &resources(&t, "AWS::MSK::Cluster")[0]["Properties"];
    assert_eq!(msk["ClusterName"], "genai-demo-kafka");
    assert_eq!(msk["NumberOfBrokerNodes"], 3);
    assert_eq!(msk["BrokerNodeGroupInfo"]["InstanceType"], "kafka.m5.large");
    assert_eq!(
        msk["BrokerNodeGroupInfo"]["StorageInfo"]["EBSStorageInfo"]["VolumeSize"],
        100
    );
    assert!(msk["EncryptionInfo"]["EncryptionAtRest"]["DataVolumeKMSKeyId"].is_object());
    assert_eq!(
        msk["EncryptionInfo"]["EncryptionInTransit"]["ClientBroker"],
        "TLS"
    );
    assert_eq!(
        msk["EncryptionInfo"]["EncryptionInTransit"]["InCluster"],
        true
    );

    let redis = &resources(&t, "AWS::ElastiCache::ReplicationGroup")[0]["Properties"];
    assert_eq!(redis["ReplicationGroupId"], "genai-demo-redis");
    assert_eq!(redis["CacheNodeType"], "cache.t3.micro");
    assert_eq!(redis["Port"], 6379);
    assert_eq!(redis["NumCacheClusters"], 2);
    assert_eq!(redis["AutomaticFailoverEnabled"], true);
    assert_eq!(redis["MultiAZEnabled"], true);
    assert_eq!(redis["AtRestEncryptionEnabled"], true);
    assert_eq!(redis["TransitEncryptionEnabled"], true);
    assert!(redis
        .get("CacheParameterGroupName")
        .is_none_or(|g| g == "default.redis7"));
    let subnets = &resources(&t, "AWS::ElastiCache::SubnetGroup")[0]["Properties"]["SubnetIds"];
    assert_eq!(subnets.as_array().unwrap().len(), 2);
}

#[test]
fn genai_demo_workload_objects() {
    let out = run(genai_demo::build, &[]).unwrap();
    let c = "genai-demo-cluster";
    let hpa = out.object(c, "HorizontalPodAutoscaler", "order-service-hpa");
    assert_eq!(hpa["spec"]["minReplicas"], 2);
    assert_eq!(hpa["spec"]["maxReplicas"], 10);
    assert_eq!(hpa["spec"]["scaleTargetRef"]["kind"], "Rollout");
    let targets: Vec<(String, i64)> = hpa["spec"]["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["resource"]["name"].as_str().unwrap().to_string(),
                m["resource"]["target"]["averageUtilization"]
                    .as_i64()
                    .unwrap(),
            )
        })
        .collect();
    assert_eq!(targets, vec![("cpu".into(), 70), ("memory".into(), 80)]);

    let rollout = out.object(c, "Rollout", "order-service");
    assert_eq!(rollout["spec"]["replicas"], 5);
    let bg = &rollout["spec"]["strategy"]["blueGreen"];
    assert_eq!(bg["activeService"], "order-service-active");
    assert_eq!(bg["previewService"], "order-service-preview");
    assert_eq!(bg["autoPromotionEnabled"], false);
    assert_eq!(bg["scaleDownDelaySeconds"], 30);
    for phase in ["prePromotionAnalysis", "postPromotionAnalysis"] {
        assert_eq!(bg[phase]["templates"][0]["templateName"], "success-rate");
    }
    out.object(c, "AnalysisTemplate", "success-rate");
    out.object(c, "Service", "order-service-active");
    out.object(c, "Service", "order-service-preview");

    // No Istio objects at all: the app is AWS-native.
    assert!(out
        .objects(c)
        .iter()
        .all(|o| !o["apiVersion"].as_str().unwrap().contains("istio.io")));

    let ing = out.object(c, "Ingress", "genai-demo-alb");
    let ann = &ing["metadata"]["annotations"];
    assert_eq!(ann["alb.ingress.kubernetes.io/scheme"], "internet-facing");
    assert_eq!(
        ann["alb.ingress.kubernetes.io/listen-ports"],
        r#"[{"HTTP": 80}, {"HTTPS": 443}]"#
    );
    assert_eq!(ann["alb.ingress.kubernetes.io/ssl-redirect"], "443");
    for p in ing["spec"]["rules"][0]["http"]["paths"].as_array().unwrap() {
        assert_eq!(p["backend"]["service"]["port"]["number"], 8080);
    }

    let ds = out.object(c, "DaemonSet", "fluent-bit");
    assert_eq!(ds["metadata"]["namespace"], "amazon-cloudwatch");
    let env: BTreeMap<String, String> = ds["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| {
            Some((
                e["name"].as_str()?.to_string(),
                e["value"].as_str()?.to_string(),
            ))
        })
        .collect();
    assert_eq!(env["AWS_REGION"], "ap-northeast-1");
    assert_eq!(env["CLUSTER_NAME"], "genai-demo-cluster");
    assert_eq!(env["LOG_GROUP_NAME"], "/aws/eks/genai-demo/application");
    let role = resources(&out.template("genai-demo-cluster"), "AWS::IAM::Role")
        .into_iter()
        .find(|r| r["Properties"]["RoleName"] == "genai-demo-cluster-amazon-cloudwatch-fluent-bit")
        .expect("fluent bit role")
        .clone();
    let resources_text = role["Properties"]["Policies"].to_string();
    assert!(resources_text.contains("log-group:/aws/eks/genai-demo/application"));
    assert!(!resources_text.contains("\"*\""));
}

#[test]
fn genai_demo_services_knob() {
    let one = run(genai_demo::build, &["services=1"]).unwrap();
    let data = one.template("genai-demo-data-1");
    assert_eq!(resources(&data, "AWS::RDS::DBInstance").len(), 1);
    one.object("genai-demo-cluster", "Rollout", "order-service");
    assert!(!one.files.keys().any(|f| f.contains("payment")));

    let big = run(genai_demo::build, &["services=45"]).unwrap();
    let stacks: Vec<&String> = big
        .files
        .keys()
        .filter(|f| f.starts_with("genai-demo-data-"))
        .collect();
    assert_eq!(stacks.len(), 3, "20 services per data stack: {stacks:?}");
    let last = big.template("genai-demo-data-3");
    assert!(resources(&last, "AWS::RDS::DBInstance")
        .iter()
        .any(|d| d["Properties"]["DBInstanceIdentifier"] == "genai-demo-svc-45-db"));
    big.object("genai-demo-cluster", "Deployment", "svc-45-service");
    assert_within_limits(&big);

    assert!(run(genai_demo::build, &["services=0"]).is_err());
    let e = run(genai_demo::build, &["services=lots"]).err().unwrap();
    assert!(e.contains("services"), "{e}");
}

#[test]
fn genai_demo_scales_to_hundreds_of_services() {
    let out = run(genai_demo::build, &["services=300"]).unwrap();
    assert_within_limits(&out);
    assert!(out.files.contains_key("genai-demo-data-15.template.json"));
}

// ---- cross-region-mesh ----

const TOKYO: &str = "cross-region-mesh-ap-northeast-1";
const OREGON: &str = "cross-region-mesh-us-west-2";

#[test]
fn cross_region_stacks_depend_across_regions_only_for_the_gateway_address() {
    let out = run(cross_region_mesh::build, &[]).unwrap();
    let manifest = out.manifest();
    let stacks = manifest["stacks"].as_array().unwrap();
    let names: Vec<&str> = stacks.iter().map(|s| s["name"].as_str().unwrap()).collect();
    for region in ["ap-northeast-1", "us-west-2"] {
        for part in ["network", "data", "images-1", "cluster"] {
            assert!(names.contains(&format!("cross-region-mesh-{region}-{part}").as_str()));
        }
    }
    for s in stacks {
        let region = s["environment"]["region"].as_str().unwrap();
        let name = s["name"].as_str().unwrap();
        for d in s["dependencies"].as_array().unwrap() {
            let d = d.as_str().unwrap();
            // The one cross-region edge: a cluster stack reads the other
            // region's east-west gateway address from its network stack.
            let cross = !d.starts_with(&format!("cross-region-mesh-{region}-"));
            assert!(
                !cross || (name.ends_with("-cluster") && d.ends_with("-network")),
                "{name} -> {d}"
            );
        }
    }
    for (local, remote, remote_region) in [
        (TOKYO, OREGON, "us-west-2"),
        (OREGON, TOKYO, "ap-northeast-1"),
    ] {
        // Fn::GetStackOutput of the other region's network stack, into an
        // SSM parameter of this region...
        let cluster = out.template(&format!("{local}-cluster"));
        let param = resources(&cluster, "AWS::SSM::Parameter")
            .into_iter()
            .find(|p| {
                p["Properties"]["Name"]
                    .as_str()
                    .unwrap()
                    .ends_with("/remote-east-west-address")
            })
            .expect("the remote address parameter");
        let get = &param["Properties"]["Value"]["Fn::GetStackOutput"];
        assert_eq!(get["StackName"], format!("{remote}-network"));
        assert_eq!(get["Region"], remote_region);
        // ...which the other region's network stack outputs (not exported).
        let network = out.template(&format!("{remote}-network"));
        let output = &network["Outputs"][get["OutputName"].as_str().unwrap()];
        assert!(
            output["Value"]["Ref"]
                .as_str()
                .unwrap()
                .starts_with("EastWestAddress1"),
            "{output}"
        );
        assert!(output.get("Export").is_none(), "{output}");
        let east_west: Vec<&String> = network["Resources"]
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| k.starts_with("EastWestAddress"))
            .collect();
        assert_eq!(east_west.len(), 3, "{east_west:?}");
    }
    let cidr = |stack: &str| {
        resources(&out.template(stack), "AWS::EC2::VPC")[0]["Properties"]["CidrBlock"].clone()
    };
    assert_ne!(
        cidr(&format!("{TOKYO}-network")),
        cidr(&format!("{OREGON}-network"))
    );
}

#[test]
fn cross_region_istio_installation() {
    let out = run(cross_region_mesh::build, &[]).unwrap();
    for (cluster, region) in [(TOKYO, "ap-northeast-1"), (OREGON, "us-west-2")] {
        let op: Json = serde_yaml::from_str(
            &out.files[&format!("k8s/{cluster}/istio-control-plane.istiooperator.yaml")],
        )
        .unwrap();
        let g = &op["spec"]["values"]["global"];
        assert_eq!(g["meshID"], "mesh1");
        assert_eq!(g["network"], format!("network-{region}"));
        assert_eq!(g["multiCluster"]["clusterName"], cluster);
        let ew = op["spec"]["components"]["ingressGateways"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == "istio-eastwestgateway")
            .expect("east-west gateway")
            .clone();
        let ports: Vec<i64> = ew["k8s"]["service"]["ports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["port"].as_i64().unwrap())
            .collect();
        for p in [80, 443, 15443] {
            assert!(ports.contains(&p), "{p} in {ports:?}");
        }
        let annotations = &ew["k8s"]["serviceAnnotations"];
        assert_eq!(
            annotations["service.beta.kubernetes.io/aws-load-balancer-type"],
            "external"
        );
        // The NLB takes the network stack's Elastic IPs, one per public subnet.
        let eips = annotations["service.beta.kubernetes.io/aws-load-balancer-eip-allocations"]
            .as_str()
            .unwrap();
        assert_eq!(eips.matches("#AllocationId}").count(), 3, "{eips}");
        assert!(eips.contains(&format!("{cluster}-network/EastWestAddress1#AllocationId")));
        let subnets = annotations["service.beta.kubernetes.io/aws-load-balancer-subnets"]
            .as_str()
            .unwrap();
        assert_eq!(subnets.matches("PublicSubnet").count(), 3, "{subnets}");
        let pa = out.object(cluster, "PeerAuthentication", "default");
        assert_eq!(pa["spec"]["mtls"]["mode"], "STRICT");
        let sidecar = out.object(cluster, "Sidecar", "default");
        assert_eq!(
            sidecar["spec"]["outboundTrafficPolicy"]["mode"],
            "REGISTRY_ONLY"
        );
    }
}

#[test]
fn cross_region_discovery_and_routing() {
    let out = run(cross_region_mesh::build, &[]).unwrap();
    let se = out.object(TOKYO, "ServiceEntry", "order-service-global");
    assert_eq!(se["spec"]["hosts"][0], "order-service.global");
    assert_eq!(se["spec"]["location"], "MESH_INTERNAL");
    let we = out.object(TOKYO, "WorkloadEntry", "order-service-us-west-2");
    assert_eq!(we["spec"]["network"], "network-us-west-2");
    // The address: this region's copy of the other region's gateway address.
    assert_eq!(
        we["spec"]["address"],
        "${meshsynth:cross-region-mesh-ap-northeast-1-cluster/RemoteEastWestAddress/Resource#Value}"
    );
    assert_eq!(we["spec"]["ports"]["http"], 15443);
    let wg = out.object(TOKYO, "WorkloadGroup", "order-service-us-west-2");
    let probe = &wg["spec"]["probe"];
    assert_eq!(
        (
            probe["periodSeconds"].as_i64(),
            probe["timeoutSeconds"].as_i64(),
            probe["failureThreshold"].as_i64()
        ),
        (Some(30), Some(5), Some(3))
    );
    // The other region mirrors it.
    out.object(OREGON, "WorkloadEntry", "order-service-ap-northeast-1");

    let vs = out.object(TOKYO, "VirtualService", "order-service-global");
    let http = vs["spec"]["http"].as_array().unwrap();
    let text = vs.to_string();
    assert!(text.contains("x-region-preference"));
    assert!(text.contains("x-latency-sensitive"));
    let weighted = http.iter().find(|r| r["name"] == "weighted").unwrap();
    let weights: Vec<(String, i64)> = weighted["route"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["destination"]["subset"].as_str().unwrap().to_string(),
                d["weight"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(weights, vec![("local".into(), 70), ("remote".into(), 30)]);
    for r in http {
        assert_eq!(r["retries"]["attempts"], 3);
        assert!(r["retries"]["backoff"].is_string());
        assert!(
            r.get("fault").is_none(),
            "fault injection is off by default"
        );
    }

    let dr = out.object(TOKYO, "DestinationRule", "order-service-global");
    let tp = &dr["spec"]["trafficPolicy"];
    assert_eq!(tp["loadBalancer"]["localityLbSetting"]["enabled"], true);
    assert_eq!(tp["outlierDetection"]["consecutive5xxErrors"], 3);
    assert_eq!(tp["outlierDetection"]["interval"], "30s");

    let chaos = run(cross_region_mesh::build, &["cross-region-mesh:chaos=true"]).unwrap();
    let vs = chaos.object(TOKYO, "VirtualService", "order-service-global");
    for r in vs["spec"]["http"].as_array().unwrap() {
        assert!(r["fault"]["delay"]["fixedDelay"].is_string());
    }
}

#[test]
fn cross_region_scaling_and_load_balancer_identity() {
    let out = run(cross_region_mesh::build, &[]).unwrap();
    let so = out.object(TOKYO, "ScaledObject", "order-service");
    assert_eq!(so["spec"]["minReplicaCount"], 3);
    assert_eq!(so["spec"]["maxReplicaCount"], 20);
    let thresholds: Vec<&str> = so["spec"]["triggers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            assert_eq!(t["type"], "prometheus");
            assert!(t["metadata"]["query"].as_str().unwrap().contains("istio_"));
            t["metadata"]["threshold"].as_str().unwrap()
        })
        .collect();
    assert_eq!(thresholds, vec!["200", "50", "70"]);

    let hpa = out.object(TOKYO, "HorizontalPodAutoscaler", "cross-region-lb-hpa");
    assert_eq!(hpa["spec"]["minReplicas"], 3);
    assert_eq!(hpa["spec"]["maxReplicas"], 20);
    assert_eq!(
        hpa["spec"]["behavior"]["scaleUp"]["stabilizationWindowSeconds"],
        60
    );
    assert_eq!(
        hpa["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"],
        300
    );
    out.object(TOKYO, "ServiceMonitor", "order-service");

    let sa = out.object(TOKYO, "ServiceAccount", "cross-region-lb");
    let arn = sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
        .as_str()
        .unwrap();
    let role = resources(&out.template(&format!("{TOKYO}-cluster")), "AWS::IAM::Role")
        .into_iter()
        .find(|r| {
            Some(r["Properties"]["RoleName"].as_str().unwrap_or("")) == arn.rsplit('/').next()
        })
        .expect("load balancer role")
        .clone();
    let statements = role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap()
        .clone();
    let mut prefixes = std::collections::BTreeSet::new();
    for s in &statements {
        let actions: Vec<String> = match &s["Action"] {
            Json::String(a) => vec![a.clone()],
            Json::Array(a) => a.iter().map(|x| x.as_str().unwrap().to_string()).collect(),
            _ => panic!("actions"),
        };
        for a in &actions {
            prefixes.insert(a.split(':').next().unwrap().to_string());
            if s["Resource"] == "*" {
                assert!(
                    meshsynth::aws::security::NO_RESOURCE_LEVEL_ACTIONS.contains(&a.as_str()),
                    "{a} on Resource * has resource-level permissions"
                );
            }
        }
    }
    assert_eq!(
        prefixes.into_iter().collect::<Vec<_>>(),
        vec!["cloudwatch", "elasticloadbalancing", "route53"]
    );
}

#[test]
fn cross_region_regions_knob() {
    let out = run(cross_region_mesh::build, &["regions=eu-west-1,us-east-1"]).unwrap();
    assert!(out
        .files
        .contains_key("cross-region-mesh-eu-west-1-cluster.template.json"));
    let we = out.object(
        "cross-region-mesh-eu-west-1",
        "WorkloadEntry",
        "order-service-us-east-1",
    );
    assert_eq!(we["spec"]["network"], "network-us-east-1");
    for (bad, why) in [
        ("regions=us-west-2", "exactly two"),
        ("regions=us-west-2,us-east-1,eu-west-1", "exactly two"),
        ("regions=us-west-2,us-west-2", "distinct"),
        ("regions=us-west-2,tokyo", "not an AWS region"),
    ] {
        let e = run(cross_region_mesh::build, &[bad]).err().unwrap();
        assert!(e.contains(why), "{bad}: {e}");
    }
}

#[test]
fn cross_region_services_knob() {
    let one = run(cross_region_mesh::build, &["services=1"]).unwrap();
    one.object(TOKYO, "ServiceEntry", "order-service-global");
    assert!(!one.files.values().any(|t| t.contains("payment-service")));
    let big = run(cross_region_mesh::build, &["services=250"]).unwrap();
    assert_within_limits(&big);
    assert!(big
        .files
        .contains_key(&format!("{TOKYO}-images-3.template.json")));
    big.object(OREGON, "VirtualService", "svc-250-global");
}
