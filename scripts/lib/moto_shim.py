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
key is created. It changes nothing else, and nothing the deployer sends: meshsynth's templates
stay the templates real CloudFormation gets. Remove it when moto fixes both (checked by the
conformance self-test's moto round trip and the deploy emulator tests, which fail on any
emulator 5xx).
"""

import json
import sys

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

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main())
