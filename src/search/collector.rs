//! The collector: every matching document with its score, mapped to store positions. Search
//! filters, counts facets over and orders all the hits (the store's filters are not in the
//! index), so tantivy's top-N collectors do not fit.

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::Query;
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

use super::snapshot::{DocMap, NO_POSITION};
use super::{SearchError, SearchIndex};

impl SearchIndex {
    /// Every matching document as (store position, score), through a map made for the store.
    pub(super) fn hits(
        &self,
        searcher: &Searcher,
        docs: &DocMap,
        query: &dyn Query,
    ) -> Result<Vec<(u32, Score)>, SearchError> {
        let found = searcher.search(query, &AllHits)?;
        Ok(found
            .into_iter()
            .filter_map(|(segment, doc, score)| {
                let position = *docs.positions.get(segment as usize)?.get(doc as usize)?;
                (position != NO_POSITION).then_some((position, score))
            })
            .collect())
    }
}

/// Collects every matching document with its score.
struct AllHits;

struct SegmentHits {
    segment: SegmentOrdinal,
    hits: Vec<(SegmentOrdinal, DocId, Score)>,
}

impl Collector for AllHits {
    type Fruit = Vec<(SegmentOrdinal, DocId, Score)>;
    type Child = SegmentHits;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        _reader: &SegmentReader,
    ) -> tantivy::Result<SegmentHits> {
        Ok(SegmentHits {
            segment,
            hits: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentHits {
    type Fruit = Vec<(SegmentOrdinal, DocId, Score)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.hits.push((self.segment, doc, score));
    }

    fn harvest(self) -> Self::Fruit {
        self.hits
    }
}
