import multiprocessing
import time


def add_up(counter, lock, times):
    for _ in range(times):
        # Only one process at a time gets past this line; the other waits here until
        # the lock is released. The Value's own lock covers one read or one write:
        # ours covers the read, the work and the write together.
        with lock:
            now = counter.value
            time.sleep(0.05)  # the work between reading the counter and writing it back
            counter.value = now + 1


if __name__ == "__main__":
    times = 3

    counter = multiprocessing.Value("i", 0)
    lock = multiprocessing.Lock()

    p1 = multiprocessing.Process(target=add_up, args=(counter, lock, times))
    p2 = multiprocessing.Process(target=add_up, args=(counter, lock, times))

    p1.start()
    p2.start()
    p1.join()
    p2.join()

    print("Expected {}, got {}".format(2 * times, counter.value))
