//! The tree's index of children by id.

use std::hash::BuildHasher;

use super::Node;

/// The children of every node by id: node indices in a table hashed by each
/// node's `(parent, id)`, read from the nodes themselves. Every node is added
/// here, so a map owning a copy of each id cost a string and 40 bytes a node.
#[derive(Default)]
pub(super) struct ChildIndex {
    table: hashbrown::HashTable<u32>,
    hasher: foldhash::fast::RandomState,
}

impl ChildIndex {
    pub(super) fn get(&self, nodes: &[Node], parent: u32, id: &str) -> Option<u32> {
        let eq = |&i: &u32| {
            let n = &nodes[i as usize];
            n.parent == Some(parent) && n.id() == id
        };
        self.table
            .find(self.hasher.hash_one((parent, id)), eq)
            .copied()
    }

    /// Adds `index`, a node with a parent, already in `nodes`.
    pub(super) fn insert(&mut self, nodes: &[Node], index: u32) {
        // The key each node is hashed by, for this node and on a resize.
        let hash = |i: u32| {
            let n = &nodes[i as usize];
            self.hasher.hash_one((n.parent.unwrap_or(0), n.id()))
        };
        self.table.insert_unique(hash(index), index, |&i| hash(i));
    }
}

#[cfg(test)]
mod tests {
    use crate::core::tree::App;
    use crate::core::Context;

    // The same ids under many parents, past several of the table's resizes:
    // each is found under its own parent only, and a second one is refused.
    #[test]
    fn children_are_found_by_parent_and_id_and_duplicates_refused() {
        let mut app = App::new(Context::new());
        for p in 0..300 {
            let mut root = app.root();
            let mut parent = root.child(&format!("p{p}")).unwrap();
            for c in 0..20 {
                parent.child(&format!("c{c}")).unwrap();
            }
        }
        for p in [0, 17, 299] {
            let parent = app.child(0, &format!("p{p}")).expect("parent");
            assert_eq!(app.node(parent).id(), format!("p{p}"));
            for c in [0, 19] {
                let child = app.child(parent, &format!("c{c}")).expect("child");
                assert_eq!(app.node(child).parent, Some(parent));
                assert_eq!(&*app.node(child).path, format!("p{p}/c{c}"));
            }
            assert_eq!(app.child(parent, "c20"), None);
            assert_eq!(app.child(parent, "p0"), None);
        }
        assert_eq!(app.child(0, "c0"), None);
        let mut root = app.root();
        assert!(root.child("p3").is_err());
        assert!(root.child("p300").is_ok());
        assert!(root.child("p300").is_err());
    }
}
