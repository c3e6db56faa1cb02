//! Tests of the construct tree: ids, locking, placement, listings.

use super::*;
use crate::core::{ChartProps, StackProps};

#[test]
fn duplicate_ids_are_errors_naming_the_path() {
    let mut app = App::new(Context::new());
    let mut root = app.root();
    root.child("A").unwrap();
    let err = root
        .child("A")
        .err()
        .expect("duplicate rejected")
        .to_string();
    assert!(err.contains("A: duplicate construct id \"A\""), "{err}");
}

#[test]
fn invalid_ids_are_rejected() {
    let mut app = App::new(Context::new());
    assert!(app.root().child("a/b").is_err());
    assert!(app.root().child("").is_err());
    assert!(app.root().child("a b").is_err());
}

/// The locked tree's order is walked once and kept, and still counted
/// on every use: the scaling guard must see a caller per construct.
#[test]
fn a_locked_trees_order_is_kept_and_each_use_counted() {
    let mut app = App::new(Context::new());
    app.root().child("a").unwrap().child("b").unwrap();
    app.root().child("c").unwrap();
    let before = app.preorder().into_owned();
    app.lock();
    let first = app.preorder();
    assert!(matches!(first, std::borrow::Cow::Borrowed(_)));
    assert_eq!(*first, before[..]);
    let visits = app.walk_visits();
    assert_eq!(*app.preorder(), before[..]);
    assert_eq!(app.walk_visits(), visits + before.len() as u64);
}

#[test]
fn locked_tree_rejects_new_nodes() {
    let mut app = App::new(Context::new());
    app.lock();
    assert!(matches!(app.root().child("x"), Err(Error::Locked { .. })));
}

#[test]
fn resources_need_a_stack_and_objects_a_chart() {
    let mut app = App::new(Context::new());
    let ns = k8s_openapi::api::core::v1::Namespace::default();
    let err = app
        .root()
        .add_object("ns", ns)
        .expect_err("rejected")
        .to_string();
    assert!(err.contains("inside a Chart"), "{err}");
    let s = crate::core::Stack::new(&mut app.root(), "s", StackProps::default()).unwrap();
    let mut scope = app.scope(s.node()).unwrap();
    let c = crate::core::Chart::new(&mut scope, "c", ChartProps::new("main")).unwrap();
    let mut cs = app.scope(c.node()).unwrap();
    let o = cs
        .add_object("ns", k8s_openapi::api::core::v1::Namespace::default())
        .unwrap();
    assert!(o.name().starts_with("ns-"));
}

#[test]
fn handles_of_other_apps_are_rejected() {
    let mut a = App::new(Context::new());
    let mut b = App::new(Context::new());
    let n = a.root().child("x").unwrap().id();
    assert!(b.scope(n).is_err());
}
