//! Churn: a set's series replaced over time, as pods by a rolling deploy.
//!
//! The `q`-th replacement (0-based, over the metric's life) takes the churned
//! range's value `v = q mod R` for the `q / R + 1`-th time: every series whose
//! churned value is `v` ends (a staleness marker), and its successor — same
//! positions, so the same derived values, and the range's value `q + R` (the
//! next unused one) — starts at that tick as a new series. In a sharded run
//! the successor may belong to another shard: each shard ends its own
//! predecessors and starts its own successors, so the shards still add up to
//! the whole run.

use super::Engine;
use super::sample::OBSERVATIONS;
use super::series::{ChurnState, NEVER, NO_RNG};
use crate::rng::ChaChaStream;
use crate::scenario::Churn;
use crate::sets::{Member, churn_expression};

impl Engine<'_> {
    /// A metric action gives group `g` churn at `tick`: replacements every
    /// `every` from then on, the count of those made so far kept.
    pub(super) fn start_churn(&mut self, g: usize, churn: &Churn<'_>, tick: u64) {
        let group = &self.groups[g];
        let set = group.template.set();
        let expr = match group.churn {
            Some(c) => c.expr,
            None => churn_expression(&set, group.template.levels(), churn.attribute.as_deref())
                .expect("the loader checked the churned attribute"),
        };
        let len = set.churning(expr).churn_axis().map_or(1, |(len, _)| len);
        let every = churn.every.floor_secs().max(1);
        let replaced = group.churn.map_or(0, |c| c.replaced);
        let per_time = churn.per_time(len);
        if self.groups[g].churn.is_none() {
            self.churning.push(g as u32);
        }
        let group = &mut self.groups[g];
        group.churn = Some(ChurnState { expr, every, per_time, next: tick + every, replaced });
        // Churn given by a reconfiguration: the set's series now churn.
        group.set = group.set.clone().churning(expr);
    }

    /// Makes the replacements due at `tick`; returns the next tick any group churns at.
    pub(super) fn churn_due(&mut self, tick: u64) -> u64 {
        let mut next = NEVER;
        for k in 0..self.churning.len() {
            let g = self.churning[k] as usize;
            let Some(c) = self.groups[g].churn else { continue };
            if c.next == tick {
                if tick <= self.groups[g].proto.to {
                    self.replace(g, c, tick);
                }
                let c = self.groups[g].churn.as_mut().expect("churning");
                c.next = tick + c.every;
                c.replaced += c.per_time;
            }
            next = next.min(self.groups[g].churn.map_or(NEVER, |c| c.next));
        }
        next
    }

    /// Group `g`'s replacements `c.replaced ..` at `tick`.
    fn replace(&mut self, g: usize, c: ChurnState, tick: u64) {
        let (len, _) = self.groups[g].set.churn_axis().expect("a churned set");
        for q in c.replaced..c.replaced + c.per_time {
            let generation = q / len;
            let positions: Vec<u64> = self.groups[g].set.positions_with(q % len).collect();
            for position in positions {
                let successor = Member { position, generation: generation + 1 };
                let group = &self.groups[g];
                let ours = self.shard.is_none_or(|s| s.holds(group.name, &group.set.values(successor)));
                let found =
                    group.members.binary_search_by_key(&position, |&i| self.series_info[i as usize].member.position);
                match found {
                    Ok(m) => {
                        let i = self.groups[g].members[m] as usize;
                        self.end_series(i, tick);
                        if ours {
                            self.renew(g, i, successor, tick);
                        } else {
                            // Its successor plays in another shard.
                            self.groups[g].members.remove(m);
                            let s = &mut self.series[i];
                            s.enabled = false;
                            s.next_visit = NEVER;
                        }
                    }
                    Err(m) if ours => {
                        let i = self.new_member(g, successor, tick);
                        self.series[i as usize].restart(tick);
                        self.groups[g].members.insert(m, i);
                    }
                    Err(_) => {}
                }
            }
        }
    }

    /// Series `i` becomes `successor` at `tick`, in place: a new identity,
    /// random streams keyed by it, fresh emitter state and nothing accrued.
    fn renew(&mut self, g: usize, i: usize, successor: Member, tick: u64) {
        let key = self.groups[g].set.key(successor);
        let info = &mut self.series_info[i];
        info.member = successor;
        info.key = key;
        let seed = self.config.seed;
        for &(emitter, slot) in &info.slot_of {
            let slot = &mut self.slots[slot as usize];
            if slot.rng != NO_RNG {
                self.rngs[slot.rng as usize] =
                    ChaChaStream::new(seed, info.name, self.emitters[emitter as usize].name, key);
            }
            // Its emitters start again for it: state reset, own fields drawn anew.
            slot.epoch = 0;
        }
        let s = &mut self.series[i];
        if s.observations_rng != NO_RNG {
            self.rngs[s.observations_rng as usize] = ChaChaStream::new(seed, info.name, OBSERVATIONS, key);
        }
        s.restart(tick);
        let stream = self.member_stream(g, successor);
        self.series[i].stream = self.push_stream(stream);
    }
}
