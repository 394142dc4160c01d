// The view of a Pool (issue 12: being built).

// object type → view class, merged into the stage's VIEWS
export const VIEWS = {};
