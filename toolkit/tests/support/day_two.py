"""What happens around docs/day-two.md's commands, for toolkit/tests/day_two_page.rs: the
changes the page says someone made (in the console, or a deploy that failed half-way), and
what the emulator holds afterwards, as JSON on stdout.

Usage (the moto venv has boto3): scripts/moto python day_two.py ACTION ENDPOINT ARGS...
  open-ssh ENDPOINT STACK          add an SSH ingress rule to STACK's security group
  strand ENDPOINT STACK IDS [REGION]
                                   leave STACK in UPDATE_ROLLBACK_FAILED, IDS (comma-separated)
                                   failed to roll back (the fake's MeshsynthFakeStrandStack)
  detected ENDPOINT STACK REGION   whether a drift detection has run on STACK
  stack-set ENDPOINT NAME PARAM    the StackSet's instances, and PARAM's value per region of the
                                   default account
  flow-logs ENDPOINT               the flow logs of eu-west-1
"""

import json
import sys
import urllib.parse
import urllib.request

import boto3

REGION = "eu-west-1"


def client(service, endpoint, region=REGION):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def open_ssh(endpoint, stack):
    resources = client("cloudformation", endpoint).describe_stack_resources(StackName=stack)
    group = next(
        r["PhysicalResourceId"]
        for r in resources["StackResources"]
        if r["ResourceType"] == "AWS::EC2::SecurityGroup"
    )
    client("ec2", endpoint).authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )
    return {"group": group}


def strand(endpoint, stack, ids, region=REGION):
    data = urllib.parse.urlencode(
        {"Action": "MeshsynthFakeStrandStack", "StackName": stack, "Blockers": ids}
    ).encode()
    # moto reads the region and account from the signature's credential scope.
    auth = (
        f"AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/cloudformation/aws4_request, "
        "SignedHeaders=host, Signature=0"
    )
    request = urllib.request.Request(
        endpoint + "/",
        data=data,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Authorization": auth},
    )
    urllib.request.urlopen(request).read()
    status = client("cloudformation", endpoint, region).describe_stacks(StackName=stack)["Stacks"][0]
    return {"status": status["StackStatus"]}


def detected(endpoint, stack, region):
    try:
        client("cloudformation", endpoint, region).describe_stack_resource_drifts(StackName=stack)
        return {"detected": True}
    except Exception:
        return {"detected": False}


def stack_set(endpoint, name, param):
    cfn = client("cloudformation", endpoint)
    instances = [
        {"account": i["Account"], "region": i["Region"], "status": i["Status"]}
        for i in cfn.list_stack_instances(StackSetName=name)["Summaries"]
    ]
    values = {}
    for region in sorted({i["region"] for i in instances}):
        try:
            values[region] = client("ssm", endpoint, region).get_parameter(Name=param)["Parameter"]["Value"]
        except Exception:
            values[region] = None
    return {"instances": sorted(instances, key=lambda i: (i["account"], i["region"])), "values": values}


def flow_logs(endpoint):
    return {"flowLogs": [f["FlowLogId"] for f in client("ec2", endpoint).describe_flow_logs()["FlowLogs"]]}


def main():
    action, endpoint, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    out = {
        "open-ssh": open_ssh,
        "strand": strand,
        "detected": detected,
        "stack-set": stack_set,
        "flow-logs": flow_logs,
    }[action](endpoint, *args)
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
