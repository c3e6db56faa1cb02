"""The project's fake CloudFormation calls that moto 5.2.5 does not implement, answered from
moto's own state, so the toolkit's commands run against them end to end over HTTP:

* drift: DetectStackDrift, DescribeStackDriftDetectionStatus, DescribeStackResourceDrifts.
  Checked types read the live resource from moto's backends (a security group's ingress rules,
  an SSM parameter's value, a log group's retention; DELETED when it is gone); every other type
  is NOT_CHECKED, as CloudFormation answers for types without drift support.
* stack refactor: CreateStackRefactor, DescribeStackRefactor, ExecuteStackRefactor,
  ListStackRefactorActions. The request is checked as the API reference states (each stack
  exists, each mapping's source is in its stack and its destination free, and a stack's new
  template drops only mapping sources and adds only mapping destinations); executing it moves
  moto's resource objects to their new ids and stacks, so the physical resources stay.
* ContinueUpdateRollback, from UPDATE_ROLLBACK_FAILED only; `ResourcesToSkip` must name
  resources whose rollback failed.

One call is not AWS's: `MeshsynthFakeStrandStack` (StackName, Blockers: comma-separated
logical ids) puts a stack in UPDATE_ROLLBACK_FAILED with those resources' UPDATE_FAILED events,
as a failed update whose rollback failed leaves it; only tests call it, to set up that state
(moto has no failure states). Every answer follows the shapes of botocore's service model,
which moto serializes.
"""

import json
import uuid

from moto.cloudformation import models as cfn_models
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.parsing import clean_json
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow

# Drift detections and refactors, by id (one server process, like moto's own state).
_DETECTIONS = {}
_REFACTORS = {}
# Stacks stranded in UPDATE_ROLLBACK_FAILED: stack id -> logical ids whose rollback failed.
_BLOCKERS = {}


def _backend(resp):
    return resp.cloudformation_backend


def _stack(resp, name):
    return _backend(resp).get_stack(name)


def _template(stack):
    stack._parse_template()
    return stack.template_dict


def _expected(stack, logical_id):
    """The resource's properties from the template, intrinsic functions resolved by moto."""
    body = _template(stack).get("Resources", {}).get(logical_id, {})
    try:
        return clean_json(body.get("Properties", {}), stack.resource_map)
    except Exception:  # an intrinsic moto cannot resolve: compare nothing
        return None


# --- drift ------------------------------------------------------------------------------------


def _rule_key(rule):
    return (
        str(rule.get("IpProtocol")),
        rule.get("FromPort"),
        rule.get("ToPort"),
        rule.get("CidrIp"),
        rule.get("SourceSecurityGroupId"),
    )


def _security_group(stack, resource, expected):
    from moto.ec2.models import ec2_backends

    ec2 = ec2_backends[stack.account_id][stack.region_name]
    group = ec2.get_security_group_from_id(resource.physical_resource_id)
    if group is None:
        return "DELETED", []
    actual = []
    for r in group.ingress_rules:
        item = {"IpProtocol": r.ip_protocol}
        if r.from_port is not None:
            item["FromPort"] = int(r.from_port)
            item["ToPort"] = int(r.to_port)
        if r.ip_range.get("CidrIp"):
            item["CidrIp"] = r.ip_range["CidrIp"]
        if r.source_group.get("GroupId"):
            item["SourceSecurityGroupId"] = r.source_group["GroupId"]
        actual.append(item)
    wanted = []
    for r in (expected or {}).get("SecurityGroupIngress") or []:
        item = dict(r)
        for port in ("FromPort", "ToPort"):
            if port in item:
                item[port] = int(item[port])
        wanted.append(item)
    wanted_keys = [_rule_key(r) for r in wanted]
    actual_keys = [_rule_key(r) for r in actual]
    diffs = []
    for i, r in enumerate(wanted):
        if _rule_key(r) not in actual_keys:
            diffs.append((f"/SecurityGroupIngress/{i}", "REMOVE", json.dumps(r), "null"))
    for r in actual:
        if _rule_key(r) not in wanted_keys:
            i = len(wanted) + len(diffs)
            diffs.append((f"/SecurityGroupIngress/{i}", "ADD", "null", json.dumps(r)))
    return ("MODIFIED" if diffs else "IN_SYNC"), diffs


def _ssm_parameter(stack, resource, expected):
    from moto.ssm.models import ssm_backends

    ssm = ssm_backends[stack.account_id][stack.region_name]
    name = resource.physical_resource_id
    current = ssm.get_parameter(name) if name in ssm._parameters else None
    if current is None:
        return "DELETED", []
    want = (expected or {}).get("Value")
    if want is None or str(want) == current.value:
        return "IN_SYNC", []
    return "MODIFIED", [("/Value", "NOT_EQUAL", str(want), current.value)]


def _log_group(stack, resource, expected):
    from moto.logs.models import logs_backends

    logs = logs_backends[stack.account_id][stack.region_name]
    group = logs.groups.get(resource.physical_resource_id)
    if group is None:
        return "DELETED", []
    want = (expected or {}).get("RetentionInDays")
    have = group.retention_in_days
    if (str(want) if want is not None else None) == (str(have) if have is not None else None):
        return "IN_SYNC", []
    kind = "NOT_EQUAL" if want is not None and have is not None else ("ADD" if want is None else "REMOVE")
    return "MODIFIED", [("/RetentionInDays", kind, json.dumps(want), json.dumps(have))]


_CHECKED = {
    "AWS::EC2::SecurityGroup": _security_group,
    "AWS::SSM::Parameter": _ssm_parameter,
    "AWS::Logs::LogGroup": _log_group,
}


def _detect(stack, only=None):
    now = utcnow()
    drifts = []
    for logical_id, body in _template(stack).get("Resources", {}).items():
        if only and logical_id not in only:
            continue
        kind = body.get("Type", "")
        resource = stack.resource_map._parsed_resources.get(logical_id)
        physical = getattr(resource, "physical_resource_id", None) if resource else None
        check = _CHECKED.get(kind)
        expected = _expected(stack, logical_id)
        if check is None or resource is None or expected is None:
            status, diffs = "NOT_CHECKED", []
        else:
            status, diffs = check(stack, resource, expected)
        item = {
            "StackId": stack.stack_id,
            "LogicalResourceId": logical_id,
            "ResourceType": kind,
            "StackResourceDriftStatus": status,
            "Timestamp": now,
        }
        if physical:
            item["PhysicalResourceId"] = physical
        if status != "NOT_CHECKED":
            item["ExpectedProperties"] = json.dumps(expected, sort_keys=True)
            item["PropertyDifferences"] = [
                {"PropertyPath": p, "DifferenceType": t, "ExpectedValue": e, "ActualValue": a}
                for p, t, e, a in diffs
            ]
        drifts.append(item)
    return drifts


def detect_stack_drift(self):
    stack = _stack(self, self._get_param("StackName"))
    if not stack.status.endswith("_COMPLETE") or stack.status.startswith("DELETE"):
        raise ValidationError(
            message=f"Stack {stack.name} is in {stack.status} state; drift detection needs a stable stack"
        )
    only = self._get_param("LogicalResourceIds") or None
    drifts = _detect(stack, only)
    drifted = [d for d in drifts if d["StackResourceDriftStatus"] in ("MODIFIED", "DELETED")]
    detection = str(uuid.uuid4())
    _DETECTIONS[detection] = {
        "StackId": stack.stack_id,
        "StackDriftDetectionId": detection,
        "StackDriftStatus": "DRIFTED" if drifted else "IN_SYNC",
        "DetectionStatus": "DETECTION_COMPLETE",
        "DriftedStackResourceCount": len(drifted),
        "Timestamp": utcnow(),
    }
    stack._meshsynth_drifts = drifts
    return ActionResult({"StackDriftDetectionId": detection})


def describe_stack_drift_detection_status(self):
    detection = self._get_param("StackDriftDetectionId")
    if detection not in _DETECTIONS:
        raise ValidationError(message=f"Stack drift detection {detection} does not exist")
    return ActionResult(_DETECTIONS[detection])


def describe_stack_resource_drifts(self):
    stack = _stack(self, self._get_param("StackName"))
    drifts = getattr(stack, "_meshsynth_drifts", None)
    if drifts is None:
        raise ValidationError(message=f"No drift detection has run on stack {stack.name}")
    filters = self._get_param("StackResourceDriftStatusFilters") or []
    if filters:
        drifts = [d for d in drifts if d["StackResourceDriftStatus"] in filters]
    return ActionResult({"StackResourceDrifts": drifts})


# --- stack refactor ---------------------------------------------------------------------------


def _location(raw):
    return raw["StackName"], raw["LogicalResourceId"]


def _check_refactor(backend, definitions, mappings, create):
    """The reason CloudFormation refuses this refactor, or None."""
    stacks = {}
    for name, body in definitions.items():
        try:
            stacks[name] = backend.get_stack(name)
        except Exception:
            if not create:
                return f"Stack {name} does not exist"
            stacks[name] = None
    sources, destinations = set(), set()
    for (fs, fid), (ts, tid) in mappings:
        if fs not in stacks or ts not in stacks:
            return f"Stack {fs if fs not in stacks else ts} of a resource mapping has no stack definition"
        src = stacks[fs]
        if src is None or fid not in _template(src).get("Resources", {}):
            return f"Resource {fid} is not in stack {fs}"
        dst = stacks[ts]
        if dst is not None and tid in _template(dst).get("Resources", {}) and (fs, fid) != (ts, tid):
            return f"Resource {tid} already exists in stack {ts}"
        sources.add((fs, fid))
        destinations.add((ts, tid))
    for name, body in definitions.items():
        try:
            new = json.loads(body)
        except ValueError:
            new = cfn_models.Stack.parse_template(body)
        have = set(_template(stacks[name]).get("Resources", {})) if stacks[name] else set()
        want = set(new.get("Resources", {}))
        for gone in have - want:
            if (name, gone) not in sources:
                return f"Resource {gone} of stack {name} is missing from its new template without a mapping"
        for added in want - have:
            if (name, added) not in destinations:
                return f"Resource {added} of stack {name} is new without a mapping; a refactor cannot create resources"
    return None


def create_stack_refactor(self):
    definitions = {}
    for d in self._get_param("StackDefinitions") or []:
        if "TemplateBody" not in d:
            raise ValidationError(message="A stack definition needs a TemplateBody (TemplateURL is not supported here)")
        definitions[d["StackName"]] = d["TemplateBody"]
    mappings = [
        (_location(m["Source"]), _location(m["Destination"]))
        for m in self._get_param("ResourceMappings") or []
    ]
    create = str(self._get_param("EnableStackCreation", "false")).lower() == "true"
    reason = _check_refactor(_backend(self), definitions, mappings, create)
    refactor = str(uuid.uuid4())
    _REFACTORS[refactor] = {
        "account": self.current_account,
        "region": self.region,
        "definitions": definitions,
        "mappings": mappings,
        "info": {
            "StackRefactorId": refactor,
            "Description": self._get_param("Description") or "",
            "StackIds": [],
            "Status": "CREATE_FAILED" if reason else "CREATE_COMPLETE",
            "ExecutionStatus": "UNAVAILABLE" if reason else "AVAILABLE",
            **({"StatusReason": reason} if reason else {}),
        },
    }
    return ActionResult({"StackRefactorId": refactor})


def _refactor(resp):
    refactor = resp._get_param("StackRefactorId")
    entry = _REFACTORS.get(refactor)
    if entry is None or (entry["account"], entry["region"]) != (resp.current_account, resp.region):
        raise ValidationError(message=f"Stack refactor {refactor} does not exist")
    return entry


def describe_stack_refactor(self):
    return ActionResult(_refactor(self)["info"])


def list_stack_refactor_actions(self):
    entry = _refactor(self)
    actions = [
        {
            "Action": "MOVE",
            "Entity": "RESOURCE",
            "PhysicalResourceId": "",
            "Description": "",
            "Detection": "MANUAL",
            "TagResources": [],
            "UntagResources": [],
            "ResourceMapping": {
                "Source": {"StackName": fs, "LogicalResourceId": fid},
                "Destination": {"StackName": ts, "LogicalResourceId": tid},
            },
        }
        for (fs, fid), (ts, tid) in entry["mappings"]
    ]
    return ActionResult({"StackRefactorActions": actions})


def execute_stack_refactor(self):
    entry = _refactor(self)
    info = entry["info"]
    if info["ExecutionStatus"] != "AVAILABLE":
        raise ValidationError(
            message=f"Stack refactor {info['StackRefactorId']} is {info['Status']}/{info['ExecutionStatus']} and cannot be executed"
        )
    backend = _backend(self)
    moved = []
    for (fs, fid), (ts, tid) in entry["mappings"]:
        src = backend.get_stack(fs).resource_map._parsed_resources
        moved.append((ts, tid, src.pop(fid, None)))
    for name, body in entry["definitions"].items():
        stack = backend.get_stack(name)
        stack.template = body
        stack._parse_template()
        stack.resource_map._template = stack.template_dict
        stack.resource_map._resource_json_map = stack.template_dict["Resources"]
        stack._add_stack_event("UPDATE_COMPLETE", resource_status_reason="Stack refactor")
    for ts, tid, resource in moved:
        if resource is None:
            continue
        if hasattr(resource, "logical_resource_id"):
            resource.logical_resource_id = tid
        backend.get_stack(ts).resource_map._parsed_resources[tid] = resource
    info["ExecutionStatus"] = "EXECUTE_COMPLETE"
    info["StackIds"] = [backend.get_stack(n).stack_id for n in entry["definitions"]]
    return EmptyResult()


# --- recovery ---------------------------------------------------------------------------------


def _event(stack, logical_id, kind, status, reason):
    event = cfn_models.Event(
        stack_id=stack.stack_id,
        stack_name=stack.name,
        logical_resource_id=logical_id,
        physical_resource_id=logical_id,
        resource_type=kind,
        resource_status=status,
        resource_status_reason=reason,
        resource_properties=None,
    )
    stack.events.append(event)


def _kind(stack, logical_id):
    return _template(stack).get("Resources", {}).get(logical_id, {}).get("Type", "AWS::CloudFormation::CustomResource")


def meshsynth_fake_strand_stack(self):
    stack = _stack(self, self.querystring["StackName"][0])
    blockers = [b for b in self.querystring.get("Blockers", [""])[0].split(",") if b]
    stack._add_stack_event("UPDATE_IN_PROGRESS", resource_status_reason="User Initiated")
    stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason="An update failed")
    for b in blockers:
        _event(stack, b, _kind(stack, b), "UPDATE_FAILED", "Resource handler returned message: access denied")
    stack._add_stack_event(
        "UPDATE_ROLLBACK_FAILED",
        resource_status_reason=f"The following resource(s) failed to update: [{', '.join(blockers)}].",
    )
    stack.status = "UPDATE_ROLLBACK_FAILED"
    _BLOCKERS[stack.stack_id] = blockers
    # Not a botocore operation: answered as plain XML, not through moto's serializer.
    return 200, {"Content-Type": "text/xml"}, "<MeshsynthFakeStrandStackResponse/>"


def continue_update_rollback(self):
    stack = _stack(self, self._get_param("StackName"))
    if stack.status != "UPDATE_ROLLBACK_FAILED":
        raise ValidationError(
            message=f"Stack {stack.name} is in {stack.status} state and can not continue update rollback"
        )
    skip = self._get_param("ResourcesToSkip") or []
    blockers = _BLOCKERS.get(stack.stack_id, [])
    for s in skip:
        if s not in blockers:
            raise ValidationError(
                message=f"Resource {s} is not in UPDATE_FAILED state and cannot be skipped"
            )
    stack._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason="User Initiated")
    for s in skip:
        _event(stack, s, _kind(stack, s), "UPDATE_COMPLETE", "Resource skipped during rollback")
    left = [b for b in blockers if b not in skip]
    for b in left:
        _event(stack, b, _kind(stack, b), "UPDATE_FAILED", "Resource handler returned message: access denied")
    if left:
        stack._add_stack_event(
            "UPDATE_ROLLBACK_FAILED",
            resource_status_reason=f"The following resource(s) failed to update: [{', '.join(left)}].",
        )
        stack.status = "UPDATE_ROLLBACK_FAILED"
        _BLOCKERS[stack.stack_id] = left
    else:
        stack._add_stack_event("UPDATE_ROLLBACK_COMPLETE")
        stack.status = "UPDATE_ROLLBACK_COMPLETE"
        _BLOCKERS.pop(stack.stack_id, None)
    return ActionResult({})


_parse_parameters = CloudFormationResponse.parse_parameters


def _parse_parameters_unless_ours(self, request):
    # botocore's model has no MeshsynthFakeStrandStack: it reads its own two parameters.
    if self._get_action() == "MeshsynthFakeStrandStack":
        self.params = {}
        return
    _parse_parameters(self, request)


CloudFormationResponse.parse_parameters = _parse_parameters_unless_ours

for _f in (
    detect_stack_drift,
    describe_stack_drift_detection_status,
    describe_stack_resource_drifts,
    create_stack_refactor,
    describe_stack_refactor,
    list_stack_refactor_actions,
    execute_stack_refactor,
    meshsynth_fake_strand_stack,
    continue_update_rollback,
):
    setattr(CloudFormationResponse, _f.__name__, _f)
