// Which event is on screen, and how it moves: following the live run, paused on one
// event, stepping, seeking, or playing back at a chosen speed. No DOM here: the
// controls call these methods and the page redraws on `onChange`.

export const SPEEDS = Object.freeze([0.25, 0.5, 1, 2, 4, 10]);
const EVENTS_PER_SECOND = 4; // playback at 1×: slow enough to read each narration line

export class Player {
  /** @param {import("./history.js").History} history */
  constructor(history, onChange) {
    this.history = history;
    this.onChange = onChange;
    this.index = -1; // the event on screen; -1 is the state before any event
    this.following = true; // stay on the newest event as a live run goes on
    this.playing = false;
    this.speed = 1;
    this.frame = null;
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
    this.speed = SPEEDS.includes(speed) ? speed : 1;
    this.onChange();
  }

  tick(now) {
    const elapsed = Math.min(now - this.then, 250) / 1000; // a hidden tab does not jump ahead
    this.then = now;
    this.carry += elapsed * EVENTS_PER_SECOND * this.speed;
    const steps = Math.floor(this.carry);
    if (steps > 0) {
      this.carry -= steps;
      this.index = Math.min(this.last, this.index + steps);
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
