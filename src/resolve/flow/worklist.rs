//! The worklist: blocks are visited in reverse postorder until their entry
//! states stop changing; a block seen too often is widened to unknown.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use super::{DEADLINE_EVERY, Interp, MAX_DISJUNCTS, State, VISIT_BUDGET, WIDEN_AFTER};
use crate::ir::{BlockId, Function};
use crate::resolve::facts::FunctionFacts;
use crate::resolve::value::Value;

impl Interp<'_, '_> {
    pub(super) fn run(&mut self) {
        let n = self.func.blocks.len();
        if n == 0 {
            return;
        }
        let initial = State {
            locals: vec![Value::unknown(); self.func.locals.len()],
            globals: BTreeMap::new(),
            tested: BTreeMap::new(),
            impersonating: BTreeSet::new(),
            acted: BTreeSet::new(),
            assumed: BTreeMap::new(),
            conds: BTreeMap::new(),
        };
        // Each block's entry states, kept apart by their keys (few).
        let mut entry: Vec<Vec<State>> = vec![Vec::new(); n];
        let mut visits = vec![0u32; n];
        entry[0].push(initial);
        let order = reverse_postorder(self.func);
        let rank: Vec<usize> = {
            let mut r = vec![usize::MAX; n];
            for (i, b) in order.iter().enumerate() {
                r[b.index()] = i;
            }
            r
        };
        self.order.clone_from(&rank);
        // Blocks waiting for a visit, lowest reverse-postorder rank first.
        let mut queue: BTreeSet<(usize, BlockId)> = BTreeSet::from([(rank[0], BlockId(0))]);
        let mut budget = VISIT_BUDGET;
        while let Some((_, bb)) = queue.pop_first() {
            let states = entry[bb.index()].clone();
            for (k, state) in states.into_iter().enumerate() {
                // The clock is read every few visits only: a visit is cheap.
                let timed_out = budget % DEADLINE_EVERY == 0 && self.cx.deadline.is_some_and(|d| Instant::now() >= d);
                if budget == 0 || timed_out {
                    self.facts = FunctionFacts {
                        gave_up: true,
                        timed_out,
                        calls: vec![None; self.func.calls.len()],
                        ..FunctionFacts::default()
                    };
                    return;
                }
                budget -= 1;
                self.state = Some(state);
                self.joining_facts = k > 0;
                let edges = self.transfer_block(bb);
                self.state = None;
                for (s, mut out) in edges {
                    let i = s.index();
                    if i >= n {
                        continue;
                    }
                    // A loop's back edge: the conditions of the last round
                    // do not decide the next.
                    if rank[i] <= rank[bb.index()] {
                        out.conds.clear();
                    }
                    visits[i] += 1;
                    if merge_state(&mut entry[i], out, visits[i] > WIDEN_AFTER) {
                        queue.insert((rank[i], s));
                    }
                }
            }
            self.joining_facts = false;
        }
    }
}

pub(super) fn join_state(into: &mut State, other: &State, widen: bool) -> bool {
    let mut changed = false;
    for (mine, theirs) in into.locals.iter_mut().zip(&other.locals) {
        if !widen {
            changed |= mine.join(theirs);
            continue;
        }
        // A copy to compare with only when widening: every local of every
        // merge would otherwise be cloned (struct values are trees).
        let before = mine.clone();
        if mine.join(theirs) {
            changed = true;
            if *mine != before {
                *mine = Value::saturated();
            }
        }
    }
    for (k, v) in &other.globals {
        match into.globals.get_mut(k) {
            Some(mine) => changed |= mine.join(v),
            None => {
                let mut v = v.clone();
                v.unknown = true;
                into.globals.insert(k.clone(), v);
                changed = true;
            }
        }
    }
    for (k, t) in &other.tested {
        changed |= into.tested.entry(*k).or_default().merge(*t);
    }
    for c in &other.impersonating {
        changed |= into.impersonating.insert(*c);
    }
    for c in &other.acted {
        changed |= into.acted.insert(*c);
    }
    // An outcome stays assumed only where both paths assume it.
    let before = into.assumed.len();
    into.assumed.retain(|c, worked| other.assumed.get(c) == Some(worked));
    changed |= into.assumed.len() != before;
    changed |= super::conds::join_conds(into, other);
    changed
}

/// Adds `out` to a block's entry states: joined into the state of the same
/// path ([`State::same_path`]), else kept apart while there are fewer than
/// [`MAX_DISJUNCTS`], else joined into one with the same impersonations
/// (or two such joined to make room), else into the last. Returns whether
/// the entry changed.
fn merge_state(states: &mut Vec<State>, out: State, widen: bool) -> bool {
    if let Some(same) = states.iter_mut().find(|s| s.same_path(&out)) {
        return join_state(same, &out, widen);
    }
    if states.len() < MAX_DISJUNCTS {
        states.push(out);
        return true;
    }
    // Full: paths that differ only by their conditions give way first, so
    // that different impersonations stay apart as before conditions counted.
    if let Some(same) = states.iter_mut().find(|s| s.impersonating == out.impersonating) {
        return join_state(same, &out, widen);
    }
    let pair = (0..states.len()).find_map(|i| {
        ((i + 1)..states.len()).find(|&j| states[i].impersonating == states[j].impersonating).map(|j| (i, j))
    });
    if let Some((i, j)) = pair {
        let gone = states.remove(j);
        if let Some(kept) = states.get_mut(i) {
            join_state(kept, &gone, widen);
        }
        states.push(out);
        return true;
    }
    match states.last_mut() {
        Some(last) => join_state(last, &out, widen),
        None => {
            states.push(out);
            true
        }
    }
}

pub(super) fn reverse_postorder(func: &Function) -> Vec<BlockId> {
    let n = func.blocks.len();
    let mut seen = vec![false; n];
    let mut post = Vec::with_capacity(n);
    // Iterative DFS: (block, next successor index).
    let mut stack: Vec<(BlockId, usize)> = vec![(BlockId(0), 0)];
    if n > 0 {
        seen[0] = true;
    }
    while let Some((bb, i)) = stack.pop() {
        let succs = func.blocks.get(bb.index()).map(|b| b.term.successors()).unwrap_or_default();
        if let Some(&s) = succs.get(i) {
            stack.push((bb, i + 1));
            if s.index() < n && !seen[s.index()] {
                seen[s.index()] = true;
                stack.push((s, 0));
            }
        } else {
            post.push(bb);
        }
    }
    post.reverse();
    post
}
