"""What a deployed stack really left in the emulator, as JSON on stdout, for the deploy tests.

Usage (the moto venv has boto3): scripts/moto python emulator_effects.py ENDPOINT REGION STACK...

For every stack: its status, and every resource ListStackResources lists, each looked up through
its own service's API (EC2, IAM, KMS, Logs, SSM, ECR, RDS, S3). A resource whose service cannot
find it gets "exists": false; types without a probe here get "exists": null. The tests assert on
this output, so a stack that reports CREATE_COMPLETE with missing resources fails them.
"""

import json
import sys

import boto3
from botocore.exceptions import ClientError


def client(service, endpoint, region):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def probe(kind, physical, c):
    """(exists, details) for one resource."""
    if kind == "AWS::EC2::VPC":
        v = c("ec2").describe_vpcs(VpcIds=[physical])["Vpcs"][0]
        return True, {"CidrBlock": v["CidrBlock"]}
    if kind == "AWS::EC2::Subnet":
        v = c("ec2").describe_subnets(SubnetIds=[physical])["Subnets"][0]
        return True, {"CidrBlock": v["CidrBlock"], "VpcId": v["VpcId"]}
    if kind == "AWS::EC2::SecurityGroup":
        g = c("ec2").describe_security_groups(GroupIds=[physical])["SecurityGroups"][0]
        return True, {"IngressRules": len(g.get("IpPermissions", []))}
    if kind == "AWS::EC2::RouteTable":
        c("ec2").describe_route_tables(RouteTableIds=[physical])
        return True, {}
    if kind == "AWS::EC2::InternetGateway":
        c("ec2").describe_internet_gateways(InternetGatewayIds=[physical])
        return True, {}
    if kind == "AWS::EC2::NatGateway":
        n = c("ec2").describe_nat_gateways(NatGatewayIds=[physical])["NatGateways"]
        return bool(n), {}
    if kind == "AWS::EC2::FlowLog":
        f = c("ec2").describe_flow_logs(FlowLogIds=[physical])["FlowLogs"]
        return bool(f), {"TrafficType": f[0].get("TrafficType")} if f else {}
    if kind == "AWS::KMS::Key":
        kms = c("kms")
        m = kms.describe_key(KeyId=physical)["KeyMetadata"]
        tags = kms.list_resource_tags(KeyId=physical).get("Tags", [])
        rotation = kms.get_key_rotation_status(KeyId=physical).get("KeyRotationEnabled")
        return True, {
            "KeyState": m["KeyState"],
            "Tags": {t["TagKey"]: t["TagValue"] for t in tags},
            "KeyRotationEnabled": rotation,
        }
    if kind == "AWS::KMS::Alias":
        names = [a["AliasName"] for a in c("kms").list_aliases()["Aliases"]]
        return physical in names, {}
    if kind == "AWS::Logs::LogGroup":
        gs = c("logs").describe_log_groups(logGroupNamePrefix=physical)["logGroups"]
        g = next((g for g in gs if g["logGroupName"] == physical), None)
        return g is not None, {"retentionInDays": g.get("retentionInDays")} if g else {}
    if kind == "AWS::IAM::Role":
        r = c("iam").get_role(RoleName=physical)["Role"]
        return True, {"Arn": r["Arn"]}
    if kind == "AWS::IAM::Policy":
        return None, {}
    if kind == "AWS::SSM::Parameter":
        p = c("ssm").get_parameter(Name=physical)["Parameter"]
        return True, {"Value": p["Value"], "Type": p["Type"]}
    if kind == "AWS::ECR::Repository":
        c("ecr").describe_repositories(repositoryNames=[physical])
        return True, {}
    if kind == "AWS::S3::Bucket":
        c("s3").head_bucket(Bucket=physical)
        return True, {}
    return None, {}


def main():
    endpoint, region, stacks = sys.argv[1], sys.argv[2], sys.argv[3:]
    cache = {}

    def c(service):
        if service not in cache:
            cache[service] = client(service, endpoint, region)
        return cache[service]

    cfn = c("cloudformation")
    out = {}
    for name in stacks:
        try:
            status = cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"]
        except ClientError:
            out[name] = {"status": None, "resources": []}
            continue
        resources = []
        paginator = cfn.get_paginator("list_stack_resources")
        for page in paginator.paginate(StackName=name):
            for r in page["StackResourceSummaries"]:
                physical = r.get("PhysicalResourceId", "")
                try:
                    exists, details = probe(r["ResourceType"], physical, c)
                except (ClientError, IndexError, KeyError) as e:
                    exists, details = False, {"error": str(e)}
                resources.append(
                    {
                        "logical": r["LogicalResourceId"],
                        "type": r["ResourceType"],
                        "physical": physical,
                        "status": r["ResourceStatus"],
                        "exists": exists,
                        "details": details,
                    }
                )
        out[name] = {"status": status, "resources": resources}
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
