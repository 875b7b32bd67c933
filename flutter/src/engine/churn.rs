//! Churn: a set's series replaced over time, as pods by a rolling deploy.
//!
//! Which series a replacement ends and which it starts is the set's to say
//! ([`crate::sets::SeriesSet::replacements`]): every series holding the
//! replaced range value ends (a staleness marker), and its successor — same
//! positions, so the same derived values, and the range's next unused value —
//! starts at that tick as a new series. In a sharded run
//! the successor may belong to another shard: each shard ends its own
//! predecessors and starts its own successors, so the shards still add up to
//! the whole run.

use super::Engine;
use super::series::{NEVER, NO_LINK, NO_RNG, Tick};
use crate::scenario::Churn;
use crate::sets::{ChurnClock, Member};

impl Engine<'_> {
    /// A metric action gives group `g` churn at `tick`: replacements every
    /// `every` from then on, the count of those made so far kept.
    pub(super) fn start_churn(&mut self, g: usize, churn: &Churn<'_>, tick: u64) {
        let group = &self.groups[g];
        let set = group.template.set().churning_like(&group.set);
        let set = set.with_churn(churn, group.template.levels()).expect("the loader checked the churned attribute");
        if group.churn.is_none() {
            self.churning.push(g as u32);
        }
        let group = &mut self.groups[g];
        group.churn = Some(ChurnClock::start(churn, &set, tick, group.churn));
        // Churn given by a reconfiguration: the set's series now churn.
        let churning = (*group.set).clone().churning_like(&set);
        group.replace_set(churning);
    }

    /// Makes the replacements due at `tick`; returns the next tick any group churns at.
    pub(super) fn churn_due(&mut self, tick: u64) -> u64 {
        let mut next = NEVER;
        for k in 0..self.churning.len() {
            let g = self.churning[k] as usize;
            let Some(mut clock) = self.groups[g].churn else { continue };
            if clock.next == tick {
                if tick <= self.groups[g].proto.to.get() {
                    self.replace(g, &clock, tick);
                }
                clock.advance();
                self.groups[g].churn = Some(clock);
            }
            next = next.min(clock.next);
        }
        next
    }

    /// Group `g`'s replacements due at `tick`.
    fn replace(&mut self, g: usize, clock: &ChurnClock, tick: u64) {
        let replacements: Vec<(Member, Member)> = self.groups[g].set.replacements(clock).collect();
        for (predecessor, successor) in replacements {
            let group = &self.groups[g];
            let ours = self.shard.is_none_or(|s| s.holds(group.name, &group.set.values(successor)));
            let found = group
                .members
                .binary_search_by_key(&predecessor.position, |&i| self.series_info[i as usize].member().position);
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
                        s.next_visit = Tick::NEVER;
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

    /// Series `i` becomes `successor` at `tick`, in place: a new identity,
    /// random streams keyed by it, fresh emitter state and nothing accrued.
    fn renew(&mut self, g: usize, i: usize, successor: Member, tick: u64) {
        let key = self.groups[g].set.key(successor);
        let info = &mut self.series_info[i];
        info.set_member(successor);
        info.set_key(key);
        let rate = self.rate_link(i);
        // Its streams start again, keyed by its new key.
        let chain = &self.links[self.series[i].chain()];
        for link in chain.iter().chain([&rate]).chain(self.retired.links(i)).filter(|l| **l != NO_LINK) {
            let slot = &mut self.slots[link.slot as usize];
            if slot.rng != NO_RNG {
                self.rngs.restart(slot.rng);
            }
            // Its emitters start again for it: state reset, own fields drawn anew.
            slot.epoch = 0;
        }
        let s = &mut self.series[i];
        if let Some(o) = self.observing.get(s.observing as usize)
            && o.rng != NO_RNG
        {
            self.rngs.restart(o.rng);
        }
        s.restart(tick);
        self.series[i].stream = self.push_stream(g, successor);
    }
}
