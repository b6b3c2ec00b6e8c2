//! The timeline of a long scenario holds a window of steps around the
//! current one (format v1 allows 10,000 steps; listing them all made every
//! step take seconds), and a short one holds every step.

use apic_playground::components::timeline::window;

#[test]
fn a_short_scenario_lists_every_step() {
    assert_eq!(window(0, 0), (0, 0));
    assert_eq!(window(24, 23), (0, 24));
    assert_eq!(window(301, 150), (0, 301));
}

#[test]
fn a_long_scenario_lists_301_steps_with_the_current_one_inside() {
    let len = 10_001;
    for current in [0, 1, 149, 150, 151, 5_000, 9_849, 9_850, 9_999, 10_000] {
        let (lo, hi) = window(len, current);
        assert_eq!(hi - lo, 301, "current {current}");
        assert!(
            lo <= current && current < hi,
            "current {current} in {lo}..{hi}"
        );
        assert!(hi <= len);
    }
    // Centred where it can be, pinned at either end.
    assert_eq!(window(len, 5_000), (4_850, 5_151));
    assert_eq!(window(len, 3), (0, 301));
    assert_eq!(window(len, 10_000), (9_700, 10_001));
}
