//! A stack deployed to many accounts and regions as one CloudFormation
//! StackSet: the template is built like any stack's; where it goes (the
//! instances) and how fast (operation preferences) are the props here.
//! deploy creates or updates the StackSet in the stack's own region (the
//! administrator's) and then its instances, target by target.

use indexmap::IndexMap;

use crate::core::error::Error;
use crate::core::stack::{Stack, StackProps, StackRef};
use crate::core::tree::{NodeKind, Scope};

/// `MS-STACKSET-1` (at synth): a StackSet references another stack, or is
/// referenced by one.
pub const STACKSET_REFERENCE: &str = "MS-STACKSET-1";
/// `MS-STACKSET-2` (at synth): a StackSet target overrides a parameter its
/// template does not have.
pub const STACKSET_OVERRIDE: &str = "MS-STACKSET-2";

/// Deploys a stack as a StackSet.
pub struct StackSet;

/// Who creates the instances.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum StackSetPermissions {
    /// `SELF_MANAGED`: an administration role in this account assumes an
    /// execution role in each target account (both created beforehand, as
    /// the StackSets guide describes). Targets name accounts.
    #[default]
    SelfManaged,
    /// `SELF_MANAGED` with roles of other names.
    SelfManagedWith {
        /// The administration role's ARN. Default (when `None`):
        /// `AWSCloudFormationStackSetAdministrationRole` of this account.
        administration_role_arn: Option<String>,
        /// The execution role's name in each target account. Default (when
        /// `None`): `AWSCloudFormationStackSetExecutionRole`.
        execution_role_name: Option<String>,
    },
    /// `SERVICE_MANAGED`: AWS Organizations creates the roles. Targets
    /// name organizational units.
    ServiceManaged {
        /// Deploy to accounts that join a target OU later, and remove the
        /// instance of an account that leaves (unless `retain_stacks_on_account_removal`).
        auto_deployment: bool,
        /// Keep the stacks of accounts that leave a target OU.
        retain_stacks_on_account_removal: bool,
    },
}

/// One group of instances: these accounts (or OUs) in these regions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StackSetTarget {
    /// 12-digit account ids (self-managed permissions). Default: none.
    pub accounts: Vec<String>,
    /// Organizational unit or root ids, `ou-…` / `r-…` (service-managed
    /// permissions). Default: none.
    pub organizational_units: Vec<String>,
    /// Regions, deployed in this order. Default: none (at least one is required).
    pub regions: Vec<String>,
    /// Parameter values for these instances only, over the StackSet's.
    /// Each names a parameter of the stack, by its construct id or its template name. Default: none.
    pub parameter_overrides: IndexMap<String, String>,
}

/// A number of accounts, or a percentage of the target's accounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Amount {
    /// That many accounts.
    Count(u32),
    /// That percentage of the accounts (1–100), rounded down by CloudFormation.
    Percent(u8),
}

/// How an operation rolls out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackSetRollout {
    /// Accounts deployed at once in each region. Default: `Count(1)`.
    pub max_concurrent: Amount,
    /// Accounts that may fail in a region before the operation stops there
    /// (and in the regions after it). Default: `Count(0)`.
    pub failure_tolerance: Amount,
    /// Deploy the regions all at once (`PARALLEL`) rather than one after
    /// another (`SEQUENTIAL`). Default: false.
    pub regions_in_parallel: bool,
}

impl Default for StackSetRollout {
    fn default() -> Self {
        StackSetRollout {
            max_concurrent: Amount::Count(1),
            failure_tolerance: Amount::Count(0),
            regions_in_parallel: false,
        }
    }
}

/// Props of a [`StackSet`].
#[derive(Debug, Clone, Default)]
pub struct StackSetProps {
    /// The stack itself: its template, and the region (and account) the
    /// StackSet is administered from (`env`). `stack_name` is the
    /// StackSet's name. Default: [`StackProps::default`].
    pub stack: StackProps,
    /// Who creates the instances. Default: [`StackSetPermissions::SelfManaged`].
    pub permissions: StackSetPermissions,
    /// Where the instances go. Default: none (at least one target is required).
    pub targets: Vec<StackSetTarget>,
    /// How fast operations roll out. Default: [`StackSetRollout::default`]
    /// (one account at a time, stop at the first failure, one region after another).
    pub rollout: StackSetRollout,
    /// The StackSet's description. Default: the stack's description.
    pub description: Option<String>,
}

fn is_ou(id: &str) -> bool {
    let ok = |s: &str, lo: usize, hi: usize| {
        (lo..=hi).contains(&s.len())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    };
    if let Some(rest) = id.strip_prefix("ou-") {
        return rest
            .split_once('-')
            .is_some_and(|(a, b)| ok(a, 4, 32) && ok(b, 8, 32));
    }
    id.strip_prefix("r-").is_some_and(|r| ok(r, 4, 32))
}

impl StackSetProps {
    fn validate(&self, path: &str) -> Result<(), Error> {
        let err = |what: String, fix: &str| Err(Error::construct(path, what, fix));
        if self.targets.is_empty() {
            return err(
                "a StackSet needs at least one target".into(),
                "add a StackSetTarget with accounts (or organizational units) and regions",
            );
        }
        let service = matches!(self.permissions, StackSetPermissions::ServiceManaged { .. });
        let mut seen = std::collections::BTreeSet::new();
        for (i, t) in self.targets.iter().enumerate() {
            if t.regions.is_empty() {
                return err(
                    format!("target {i} names no region"),
                    "list the regions its instances go to",
                );
            }
            for r in &t.regions {
                if let Err(e) = super::names::validate_region(r) {
                    return err(
                        format!("target {i}: {e}"),
                        "use a region code such as eu-west-1",
                    );
                }
            }
            if service {
                if t.organizational_units.is_empty() || !t.accounts.is_empty() {
                    return err(
                        format!("target {i}: service-managed permissions deploy to organizational units"),
                        "list OU or root ids (ou-…, r-…) in organizational_units and no accounts",
                    );
                }
                if let Some(bad) = t.organizational_units.iter().find(|o| !is_ou(o)) {
                    return err(
                        format!("target {i}: {bad:?} is not an organizational unit or root id"),
                        "use ids such as ou-ab12-cdef3456 or r-ab12",
                    );
                }
            } else {
                if t.accounts.is_empty() || !t.organizational_units.is_empty() {
                    return err(
                        format!("target {i}: self-managed permissions deploy to accounts"),
                        "list 12-digit account ids in accounts (organizational units need ServiceManaged permissions)",
                    );
                }
                for a in &t.accounts {
                    if let Err(e) = super::names::validate_account(a) {
                        return err(
                            format!("target {i}: {e}"),
                            "use the account number, e.g. 123456789012",
                        );
                    }
                }
            }
            let units = if service {
                &t.organizational_units
            } else {
                &t.accounts
            };
            for u in units {
                for r in &t.regions {
                    if !seen.insert((u.clone(), r.clone())) {
                        return err(
                            format!("{u} in {r} is in more than one target"),
                            "list each account and region once (overrides differ per target)",
                        );
                    }
                }
            }
        }
        let r = &self.rollout;
        for (what, a) in [
            ("max_concurrent", r.max_concurrent),
            ("failure_tolerance", r.failure_tolerance),
        ] {
            match a {
                Amount::Percent(p) if p > 100 => {
                    return err(
                        format!("rollout {what} is {p} %"),
                        "use a percentage from 0 to 100",
                    )
                }
                Amount::Count(0) | Amount::Percent(0) if what == "max_concurrent" => {
                    return err(
                        "rollout max_concurrent is 0".into(),
                        "deploy at least one account at a time",
                    )
                }
                _ => {}
            }
        }
        // CloudFormation's rule: at most one more account at a time than
        // may fail (strict failure tolerance).
        if let (Amount::Count(m), Amount::Count(f)) = (r.max_concurrent, r.failure_tolerance) {
            if m > f + 1 {
                return err(
                    format!("rollout deploys {m} accounts at a time but tolerates {f} failure(s); CloudFormation allows at most one more than the tolerance"),
                    "raise failure_tolerance, or lower max_concurrent",
                );
            }
        }
        Ok(())
    }
}

impl StackSet {
    /// Adds a stack whose template deploys as a StackSet to the targets.
    /// It may not reference other stacks or be referenced by them (its
    /// instances live in other accounts and regions): synth says so.
    pub fn new(scope: &mut Scope<'_>, id: &str, props: StackSetProps) -> Result<StackRef, Error> {
        let path = if scope.path().is_empty() {
            id.to_string()
        } else {
            scope.child_path(id)
        };
        props.validate(&path)?;
        let stack = Stack::new(scope, id, props.stack.clone())?;
        let i = scope
            .app
            .index_of(stack.node())
            .expect("the stack was just added");
        if let NodeKind::Stack(info) = &mut scope.app.node_mut(i).kind {
            info.stack_set = Some(Box::new(props));
        }
        Ok(stack)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::{App, Context};

    fn target(accounts: &[&str], regions: &[&str]) -> StackSetTarget {
        StackSetTarget {
            accounts: accounts.iter().map(|s| s.to_string()).collect(),
            regions: regions.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    fn add(props: StackSetProps) -> Result<StackRef, Error> {
        let mut app = App::new(Context::new());
        StackSet::new(&mut app.root(), "fleet", props)
    }

    #[test]
    fn refusals_name_the_fix() {
        let e = |p: StackSetProps| add(p).err().unwrap().to_string();
        assert!(e(StackSetProps::default()).contains("at least one target"));
        let p = |t: StackSetTarget| StackSetProps {
            targets: vec![t],
            ..Default::default()
        };
        assert!(e(p(target(&["123456789012"], &[]))).contains("names no region"));
        assert!(e(p(target(&["1234"], &["eu-west-1"]))).contains("account"));
        assert!(e(p(target(&["123456789012"], &["moon-1"]))).contains("region"));
        let mut ou = target(&[], &["eu-west-1"]);
        ou.organizational_units = vec!["ou-ab12-cdef3456".into()];
        assert!(e(p(ou.clone())).contains("self-managed permissions deploy to accounts"));
        let service = StackSetPermissions::ServiceManaged {
            auto_deployment: true,
            retain_stacks_on_account_removal: false,
        };
        let ok = StackSetProps {
            permissions: service.clone(),
            targets: vec![ou.clone()],
            ..Default::default()
        };
        assert!(add(ok).is_ok());
        ou.organizational_units = vec!["ou-X".into()];
        let bad = StackSetProps {
            permissions: service,
            targets: vec![ou],
            ..Default::default()
        };
        assert!(e(bad).contains("not an organizational unit"));
        let twice = StackSetProps {
            targets: vec![
                target(&["123456789012"], &["eu-west-1"]),
                target(&["123456789012"], &["eu-west-1", "us-east-1"]),
            ],
            ..Default::default()
        };
        assert!(e(twice).contains("in more than one target"));
        let fast = StackSetProps {
            targets: vec![target(&["123456789012"], &["eu-west-1"])],
            rollout: StackSetRollout {
                max_concurrent: Amount::Count(5),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(e(fast).contains("at most one more than the tolerance"));
    }
}
