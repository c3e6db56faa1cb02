//! The stack dependency graph: edges with the reference that caused them,
//! cycle detection that prints construct paths, and a stable topological
//! order (tree order breaks ties).

use std::collections::{BTreeMap, BTreeSet};

/// Why one stack depends on another: the first reference seen.
#[derive(Debug, Clone)]
pub(crate) struct EdgeReason {
    pub consumer_path: String,
    pub producer_path: String,
}

#[derive(Debug, Default)]
pub(crate) struct StackGraph {
    /// Stacks in tree order.
    pub nodes: Vec<u32>,
    /// consumer → producers, with reasons.
    pub edges: BTreeMap<u32, BTreeMap<u32, EdgeReason>>,
}

impl StackGraph {
    pub fn add_edge(&mut self, consumer: u32, producer: u32, reason: EdgeReason) {
        if consumer != producer {
            self.edges
                .entry(consumer)
                .or_default()
                .entry(producer)
                .or_insert(reason);
        }
    }

    /// Whether `from` depends on `to`, directly or through other stacks.
    pub fn reaches(&self, from: u32, to: u32) -> bool {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from];
        while let Some(s) = todo.pop() {
            if s == to {
                return true;
            }
            if seen.insert(s) {
                todo.extend(self.deps(s));
            }
        }
        false
    }

    pub fn deps(&self, stack: u32) -> impl Iterator<Item = u32> + '_ {
        self.edges
            .get(&stack)
            .into_iter()
            .flat_map(|m| m.keys().copied())
    }

    /// A cycle as a list of stacks (first repeated at the end), if any.
    pub fn find_cycle(&self) -> Option<Vec<u32>> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Active,
            Done,
        }
        let mut marks: BTreeMap<u32, Mark> = self.nodes.iter().map(|n| (*n, Mark::New)).collect();
        for &start in &self.nodes {
            if marks[&start] != Mark::New {
                continue;
            }
            // Iterative DFS with an explicit path, so deep graphs cannot overflow.
            let mut path: Vec<(u32, Vec<u32>)> = vec![(start, self.deps(start).collect())];
            marks.insert(start, Mark::Active);
            while let Some((node, pending)) = path.last_mut() {
                let node = *node;
                match pending.pop() {
                    Some(next) => match marks.get(&next).copied().unwrap_or(Mark::Done) {
                        Mark::New => {
                            marks.insert(next, Mark::Active);
                            let deps = self.deps(next).collect();
                            path.push((next, deps));
                        }
                        Mark::Active => {
                            let pos = path.iter().position(|(n, _)| *n == next).unwrap_or(0);
                            let mut cycle: Vec<u32> = path[pos..].iter().map(|(n, _)| *n).collect();
                            cycle.push(next);
                            return Some(cycle);
                        }
                        Mark::Done => {}
                    },
                    None => {
                        marks.insert(node, Mark::Done);
                        path.pop();
                    }
                }
            }
        }
        None
    }

    /// Stacks with every dependency before its dependents; tree order otherwise.
    /// Call only on an acyclic graph.
    pub fn topo_order(&self) -> Vec<u32> {
        let mut done: BTreeSet<u32> = BTreeSet::new();
        let mut out = Vec::with_capacity(self.nodes.len());
        while out.len() < self.nodes.len() {
            let before = out.len();
            for &n in &self.nodes {
                if !done.contains(&n) && self.deps(n).all(|d| done.contains(&d)) {
                    done.insert(n);
                    out.push(n);
                    break;
                }
            }
            if out.len() == before {
                break; // a cycle; reported elsewhere
            }
        }
        out
    }

    /// `roots` and everything they depend on.
    pub fn closure(&self, roots: &BTreeSet<u32>) -> BTreeSet<u32> {
        let mut seen = roots.clone();
        let mut todo: Vec<u32> = roots.iter().copied().collect();
        while let Some(n) = todo.pop() {
            for d in self.deps(n) {
                if seen.insert(d) {
                    todo.push(d);
                }
            }
        }
        seen
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason() -> EdgeReason {
        EdgeReason {
            consumer_path: "c".into(),
            producer_path: "p".into(),
        }
    }

    #[test]
    fn orders_dependencies_first() {
        let mut g = StackGraph {
            nodes: vec![1, 2, 3],
            ..Default::default()
        };
        g.add_edge(1, 3, reason());
        g.add_edge(2, 1, reason());
        assert_eq!(g.find_cycle(), None);
        assert_eq!(g.topo_order(), vec![3, 1, 2]);
        assert_eq!(
            g.closure(&[2].into_iter().collect()),
            [1, 2, 3].into_iter().collect()
        );
    }

    #[test]
    fn finds_cycles() {
        let mut g = StackGraph {
            nodes: vec![1, 2, 3],
            ..Default::default()
        };
        g.add_edge(1, 2, reason());
        g.add_edge(2, 3, reason());
        g.add_edge(3, 1, reason());
        let c = g.find_cycle().unwrap();
        assert_eq!(c.first(), c.last());
        assert_eq!(c.len(), 4);
    }
}
