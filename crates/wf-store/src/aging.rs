//! A bounded map of two generations, for the readers' caches.

use std::hash::Hash;

/// The keys are object ids and offsets, hashed with foldhash seeded per process: std's SipHash
/// cost about a third of a lookup, and a seed an attacker does not know keeps ids chosen to
/// collide from making a lookup slow.
type HashMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A map of two generations of at most `limit` entries each: when the young one is full the
/// old one is dropped and the young one ages, and what is found in the old one is young again.
/// So what was used lately stays (a commit's parent's trees, the parent of each task open at
/// once), where a map emptied when full lost all of it at once.
pub(crate) struct Aging<K, V> {
    limit: usize,
    young: HashMap<K, V>,
    old: HashMap<K, V>,
}

impl<K: Hash + Eq + Copy, V: Clone> Aging<K, V> {
    pub(crate) fn new(limit: usize) -> Self {
        Aging {
            limit: limit.max(1),
            young: HashMap::default(),
            old: HashMap::default(),
        }
    }

    pub(crate) fn get(&mut self, key: &K) -> Option<V> {
        if let Some(v) = self.young.get(key) {
            return Some(v.clone());
        }
        let v = self.old.remove(key)?;
        self.insert(*key, v.clone());
        Some(v)
    }

    /// How many entries both generations hold.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.young.len() + self.old.len()
    }

    pub(crate) fn insert(&mut self, key: K, value: V) {
        if self.young.len() >= self.limit {
            // The old generation's table is kept for the young one: not grown again from empty.
            std::mem::swap(&mut self.old, &mut self.young);
            self.young.clear();
        }
        self.young.insert(key, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_was_used_lately_stays_and_the_map_stays_bounded() {
        let mut m = Aging::new(3);
        for k in 0..3 {
            m.insert(k, k * 10);
        }
        // The young generation is full: the next insert ages it.
        m.insert(3, 30);
        assert_eq!(m.get(&0), Some(0)); // found old, young again
        m.insert(4, 40);
        m.insert(5, 50); // young (3, 0, 4) full: ages; 1 and 2 dropped next time
        m.insert(6, 60);
        m.insert(7, 70);
        m.insert(8, 80); // young (5, 6, 7) aged again: (3, 0, 4) dropped
        assert_eq!(m.get(&1), None);
        assert_eq!(m.get(&3), None);
        assert_eq!(m.get(&5), Some(50));
        assert!(m.young.len() + m.old.len() <= 6);
    }
}
