// The view of a shared_memory block or ShareableList (issue 12: being built).

// object type → view class, merged into the stage's VIEWS
export const VIEWS = {};
