//! How good a ranking of projects is: ROC AUC, precision in the top decile, calibration and the
//! Brier score — the figures BENCHMARKS.md reports for the model and for the baseline.

use serde::Serialize;

/// The area under the ROC curve of `scores` (higher = more likely late): the chance a random
/// late project scores above a random on-time one, ties counting half. `None` when either class
/// is empty.
pub fn auc(scores: &[f64], late: &[bool]) -> Option<f64> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Average ranks (1-based) over runs of equal scores.
    let mut rank_sum_late = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && scores[order[end]] == scores[order[start]] {
            end += 1;
        }
        let average_rank = (start + 1 + end) as f64 / 2.0;
        rank_sum_late +=
            average_rank * order[start..end].iter().filter(|&&i| late[i]).count() as f64;
        start = end;
    }
    let positives = late.iter().filter(|&&l| l).count() as f64;
    let negatives = late.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return None;
    }
    Some((rank_sum_late - positives * (positives + 1.0) / 2.0) / (positives * negatives))
}

/// The share of late projects among the `share` highest scores (at least one row; ties broken
/// by position, so the figure is deterministic).
pub fn precision_at_top(scores: &[f64], late: &[bool], share: f64) -> Option<f64> {
    if scores.is_empty() {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let k = ((scores.len() as f64 * share).ceil() as usize).clamp(1, scores.len());
    Some(order[..k].iter().filter(|&&i| late[i]).count() as f64 / k as f64)
}

/// One bin of a calibration table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationBin {
    pub from: f64,
    pub to: f64,
    pub rows: usize,
    pub mean_predicted: f64,
    pub observed_late: f64,
}

/// Predicted probabilities against observed outcomes in `bins` equal-width bins (empty bins are
/// left out), and the expected calibration error (the row-weighted mean |predicted − observed|).
pub fn calibration(
    probabilities: &[f64],
    late: &[bool],
    bins: usize,
) -> (Vec<CalibrationBin>, f64) {
    let bins = bins.max(1);
    let mut out = Vec::new();
    let mut error = 0.0;
    for b in 0..bins {
        let (from, to) = (b as f64 / bins as f64, (b + 1) as f64 / bins as f64);
        let members: Vec<usize> = (0..probabilities.len())
            .filter(|&i| {
                let p = probabilities[i];
                p >= from && (p < to || (b + 1 == bins && p <= to))
            })
            .collect();
        if members.is_empty() {
            continue;
        }
        let n = members.len() as f64;
        let mean_predicted = members.iter().map(|&i| probabilities[i]).sum::<f64>() / n;
        let observed_late = members.iter().filter(|&&i| late[i]).count() as f64 / n;
        error += n * (mean_predicted - observed_late).abs();
        out.push(CalibrationBin {
            from,
            to,
            rows: members.len(),
            mean_predicted,
            observed_late,
        });
    }
    let total = probabilities.len().max(1) as f64;
    (out, error / total)
}

/// The mean squared error of the probabilities.
pub fn brier(probabilities: &[f64], late: &[bool]) -> f64 {
    let n = probabilities.len().max(1) as f64;
    probabilities
        .iter()
        .zip(late)
        .map(|(p, &l)| (p - f64::from(u8::from(l))).powi(2))
        .sum::<f64>()
        / n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_of_hand_counted_rankings() {
        // Perfect, reversed, and one inversion out of 2 × 2 pairs.
        assert_eq!(
            auc(&[0.1, 0.2, 0.8, 0.9], &[false, false, true, true]),
            Some(1.0)
        );
        assert_eq!(
            auc(&[0.9, 0.8, 0.2, 0.1], &[false, false, true, true]),
            Some(0.0)
        );
        assert_eq!(
            auc(&[0.1, 0.5, 0.4, 0.9], &[false, false, true, true]),
            Some(0.75)
        );
        // All tied: no information.
        assert_eq!(auc(&[0.3; 4], &[false, true, false, true]), Some(0.5));
        assert_eq!(auc(&[0.3, 0.4], &[true, true]), None);
    }

    #[test]
    fn precision_at_top_counts_the_highest_scores() {
        let scores = [0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6, 0.4, 0.5, 0.05];
        let late = [
            true, false, false, false, true, false, false, false, false, false,
        ];
        assert_eq!(precision_at_top(&scores, &late, 0.1), Some(1.0));
        assert_eq!(precision_at_top(&scores, &late, 0.2), Some(0.5));
        assert!((precision_at_top(&scores, &late, 0.3).unwrap() - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn calibration_bins_and_error() {
        let p = [0.05, 0.05, 0.95, 0.95, 1.0];
        let late = [false, true, true, true, true];
        let (bins, ece) = calibration(&p, &late, 10);
        assert_eq!(bins.len(), 2);
        assert_eq!((bins[0].rows, bins[0].observed_late), (2, 0.5));
        assert_eq!(bins[1].rows, 3);
        // |0.05 − 0.5| × 2 + |0.9667 − 1| × 3, over 5 rows.
        assert!((ece - (0.9 + 0.1) / 5.0).abs() < 1e-9, "{ece}");
        assert!((brier(&[1.0, 0.0], &[true, true]) - 0.5).abs() < 1e-12);
    }
}
