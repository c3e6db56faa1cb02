"""The moto server, with a compatibility shim for moto 5.2.5's CloudFormation model of
AWS::KMS::Key. Run by scripts/moto instead of `moto_server`; takes the same arguments.

Two bugs make every stack with a customer-managed KMS key deploy wrongly in moto 5.2.5:

* Tags: CloudFormation gives `Tags: [{Key, Value}]`, and moto hands that list to its KMS tagging
  service, which expects `[{TagKey, TagValue}]`. ExecuteChangeSet answers HTTP 500
  (`KeyError: 'TagKey'`); the SDK retries, moto then reports CREATE_COMPLETE, and most of the
  stack's resources were never created.
* KeyPolicy: CloudFormation gives the policy as a JSON object; moto stores it as is, and KMS
  DescribeKey / GetKeyPolicy on the key answer HTTP 500 afterwards. (Without KeyPolicy the
  creation fails.)

The shim rewrites those two properties into the forms moto's KMS backend takes before the
key is created. It also gives a stack deployed through a change set its outputs and exports
(below), and loads moto_fake.py: the CloudFormation calls moto lacks (drift, stack refactor,
ContinueUpdateRollback), answered from moto's state. It changes nothing else, and nothing the deployer sends: meshsynth's templates
stay the templates real CloudFormation gets. Remove it when moto fixes both (checked by the
conformance self-test's moto round trip and the deploy emulator tests, which fail on any
emulator 5xx).
"""

import json
import sys

from moto.cloudformation import models as cfn_models
from moto.kms import models as kms_models

_create = kms_models.Key.create_from_cloudformation_json.__func__


def _fix_properties(props):
    tags = props.get("Tags")
    if isinstance(tags, list):
        props["Tags"] = [
            {"TagKey": t["Key"], "TagValue": t.get("Value", "")}
            if isinstance(t, dict) and "Key" in t
            else t
            for t in tags
        ]
    if isinstance(props.get("KeyPolicy"), dict):
        props["KeyPolicy"] = json.dumps(props["KeyPolicy"])


def _create_key(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    _fix_properties(cloudformation_json.setdefault("Properties", {}))
    return _create(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)


kms_models.Key.create_from_cloudformation_json = classmethod(_create_key)

# Outputs and exports of a stack deployed through a change set: moto 5.2.5 applies the change
# set's resources but keeps the outputs of the template the stack was created with (none, for a
# CREATE change set), never registers its exports, and resolves a change set's `Fn::ImportValue`
# against no exports at all. So the change set now resolves imports against the region's
# exports, and afterwards the stack's template is re-read, its outputs resolved and its exports
# registered (its earlier ones dropped), as CloudFormation does.
_execute_change_set = cfn_models.CloudFormationBackend.execute_change_set


def _execute_change_set_with_outputs(self, change_set_name, stack_name=None):
    change_set = self.change_sets.get(change_set_name) or next(
        (c for c in self.change_sets.values() if c.change_set_name == change_set_name), None
    )
    stack = self.stacks.get(change_set.stack_id) if change_set is not None else None
    if stack is not None:
        stack.cross_stack_resources = self.exports
        stack.resource_map.cross_stack_resources = self.exports
    _execute_change_set(self, change_set_name, stack_name)
    if stack is None:
        return
    stack._parse_template()
    stack.description = stack.template_dict.get("Description")
    stack.output_map = stack._create_output_map()
    for name, export in list(self.exports.items()):
        if export.exporting_stack_id == stack.stack_id:
            del self.exports[name]
    for export in stack.exports:
        self.exports[export.name] = export


cfn_models.CloudFormationBackend.execute_change_set = _execute_change_set_with_outputs

if __name__ == "__main__":
    # The calls moto lacks (drift, stack refactor, continue-rollback): the project's fake.
    import moto_fake  # noqa: F401
    from moto.server import main

    sys.exit(main())
