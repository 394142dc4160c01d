// Which event is on screen, and how it moves: following the live run, paused on one
// event, stepping, seeking, or playing back at a chosen speed. No DOM here: the
// controls call these methods and the page redraws on `onChange`.
//
// Two timings: "steps" shows events one after another at a steady rate, whatever their
// recorded times; "time" shows each event when it happened (its `t`), scaled by the
// speed, so waits last and bursts rush. Either way a frame moves to the event reached by
// then and the page draws once per frame: at speed, many events pass in one frame.

export const TIMINGS = Object.freeze(["steps", "time"]);
export const SPEEDS = Object.freeze({
  // × EVENTS_PER_SECOND: 250× is 1,000 events a second, a 40,000-event run in 40 s.
  steps: Object.freeze([0.25, 0.5, 1, 2, 4, 10, 25, 100, 250]),
  // × the run's own clock: most runs take well under a second, so slow motion matters.
  time: Object.freeze([0.01, 0.1, 0.25, 0.5, 1, 2, 4, 10]),
});
const EVENTS_PER_SECOND = 4; // playback at 1× in steps: slow enough to read each narration line
const MAX_FRAME_S = 0.25; // a hidden tab (no frames for a while) does not jump ahead

export class Player {
  /** @param {import("./history.js").History} history */
  constructor(history, onChange) {
    this.history = history;
    this.onChange = onChange;
    this.index = -1; // the event on screen; -1 is the state before any event
    this.following = true; // stay on the newest event as a live run goes on
    this.playing = false;
    this.speed = 1;
    this.timing = "steps";
    this.frame = null;
    this.clock = 0; // in "time": the run's time (s) playback has reached
  }

  get last() {
    return this.history.length - 1;
  }

  /** New events arrived: a player that follows the run moves to the newest. */
  arrived() {
    if (this.following && !this.playing) this.index = this.last;
    this.onChange();
  }

  reset(history) {
    this.pause(false);
    this.history = history;
    this.index = -1;
    this.following = true;
    this.onChange();
  }

  seek(index) {
    this.pause(false);
    this.index = Math.max(-1, Math.min(this.last, index));
    this.following = this.index === this.last && !this.history.ended;
    this.onChange();
  }

  step(delta) {
    this.seek(this.index + delta);
    this.following = false;
  }

  toStart() {
    this.seek(-1);
  }

  toEnd() {
    this.seek(this.last);
    this.following = true;
  }

  toggle() {
    if (this.playing) this.pause();
    else this.play();
  }

  play() {
    if (this.playing) return;
    if (this.index >= this.last && this.history.ended) this.index = -1; // play again from the start
    this.playing = true;
    this.following = false;
    this.carry = 0;
    const { times } = this.history;
    this.clock = times.length ? times[Math.max(0, this.index)] : 0;
    this.then = performance.now();
    this.frame = requestAnimationFrame((now) => this.tick(now));
    this.onChange();
  }

  pause(notify = true) {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
    const was = this.playing;
    this.playing = false;
    if (notify && was) this.onChange();
  }

  setSpeed(speed) {
    this.speed = SPEEDS[this.timing].includes(speed) ? speed : 1;
    this.onChange();
  }

  /** "steps" or "time"; the speed stays if the new timing offers it, else becomes 1×. */
  setTiming(timing) {
    this.timing = TIMINGS.includes(timing) ? timing : "steps";
    if (!SPEEDS[this.timing].includes(this.speed)) this.speed = 1;
    const { times } = this.history;
    this.clock = times.length ? times[Math.max(0, this.index)] : 0;
    this.carry = 0;
    this.onChange();
  }

  /** Where playback is after `elapsed` more seconds: an event index, never past the last. */
  advance(elapsed) {
    if (this.timing === "time") {
      const { times } = this.history;
      if (times.length === 0) return this.index;
      // Waiting for a live run's next event: the clock waits too, at the newest event.
      this.clock = Math.min(this.clock + elapsed * this.speed, times[times.length - 1]);
      return Math.max(this.index, this.history.indexAtTime(this.clock));
    }
    this.carry += elapsed * EVENTS_PER_SECOND * this.speed;
    const steps = Math.floor(this.carry);
    this.carry -= steps;
    return Math.min(this.last, this.index + steps);
  }

  tick(now) {
    const elapsed = Math.min(now - this.then, MAX_FRAME_S * 1000) / 1000;
    this.then = now;
    const index = this.advance(elapsed);
    if (index !== this.index) {
      this.index = index;
      this.onChange();
    }
    if (this.index >= this.last && this.history.ended) {
      this.pause();
      return;
    }
    // A live run that playback caught up with: keep playing as its events arrive.
    this.frame = requestAnimationFrame((t) => this.tick(t));
  }
}
