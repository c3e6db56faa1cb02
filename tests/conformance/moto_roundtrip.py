#!/usr/bin/env python3
"""moto_roundtrip.py - CloudFormation round trip against a running moto server (selftest).

Run with the moto venv's python after `eval "$(scripts/moto env)"`:
    scripts/moto python tests/conformance/moto_roundtrip.py
boto3 picks up AWS_ENDPOINT_URL, the test credentials and AWS_REGION from the environment.
It creates a stack (VPC + named SSM parameter holding the VPC id), waits for CREATE_COMPLETE,
checks outputs, resources and the parameter through the SSM API, then deletes the stack.
Exit 0 on success, 1 with a message on the first mismatch.
"""

from __future__ import annotations

import json
import os
import sys
import uuid

import boto3

TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Description": "meshsynth selftest round trip",
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.42.0.0/16"}},
        # moto cannot generate SSM parameter names: always give one explicitly.
        "VpcIdParam": {
            "Type": "AWS::SSM::Parameter",
            "Properties": {"Name": "/meshsynth/selftest/vpc-id", "Type": "String", "Value": {"Ref": "Vpc"}},
        },
    },
    "Outputs": {"VpcId": {"Value": {"Ref": "Vpc"}}},
}


def fail(msg: str) -> None:
    print("moto_roundtrip: FAIL: %s" % msg)
    sys.exit(1)


def main() -> int:
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    if not endpoint.startswith("http://127.0.0.1:"):
        fail("AWS_ENDPOINT_URL must point at the local moto server (got %r)" % endpoint)
    cfn = boto3.client("cloudformation")
    ssm = boto3.client("ssm")
    ec2 = boto3.client("ec2")
    name = "meshsynth-selftest-%s" % uuid.uuid4().hex[:8]

    stack_id = cfn.create_stack(StackName=name, TemplateBody=json.dumps(TEMPLATE),
                                Tags=[{"Key": "meshsynth:selftest", "Value": "1"}])["StackId"]
    cfn.get_waiter("stack_create_complete").wait(StackName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    if stack["StackStatus"] != "CREATE_COMPLETE":
        fail("stack status %s" % stack["StackStatus"])
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    vpc_id = outputs.get("VpcId", "")
    if not vpc_id.startswith("vpc-"):
        fail("output VpcId = %r" % vpc_id)
    resources = {r["LogicalResourceId"]: r for r in cfn.list_stack_resources(StackName=name)["StackResourceSummaries"]}
    if set(resources) != {"Vpc", "VpcIdParam"}:
        fail("stack resources %s" % sorted(resources))
    value = ssm.get_parameter(Name="/meshsynth/selftest/vpc-id")["Parameter"]["Value"]
    if value != vpc_id:
        fail("SSM parameter %r != VpcId output %r" % (value, vpc_id))
    if not ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]:
        fail("VPC %s not visible through EC2" % vpc_id)

    cfn.delete_stack(StackName=stack_id)
    status = cfn.describe_stacks(StackName=stack_id)["Stacks"][0]["StackStatus"]
    if status != "DELETE_COMPLETE":
        fail("after delete_stack the status is %s" % status)
    print("moto_roundtrip: ok (stack %s: create_stack -> CREATE_COMPLETE, VpcId %s, SSM parameter, delete)"
          % (name, vpc_id))
    return 0


if __name__ == "__main__":
    sys.exit(main())
