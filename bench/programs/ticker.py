import time

if __name__ == "__main__":
    rate = 1000
    seconds = 3.0
    warmup = 0.5

    # Give the clients time to connect, then print the clock `rate` times a second:
    # a client compares each value with its own clock when the event reaches it.
    time.sleep(warmup)
    period = 1 / rate
    start = time.monotonic()
    for n in range(int(rate * seconds)):
        # Sleep until the nth tick, so the rate holds however long each print takes.
        delay = start + n * period - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        print(time.monotonic())
