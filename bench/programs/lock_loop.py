import multiprocessing
import time


def work(counter, lock, count):
    # The loop being timed: each increment of the shared counter under the lock.
    print("t0", time.monotonic())
    for _ in range(count):
        with lock:
            counter.value += 1
    print("t1", time.monotonic())


if __name__ == "__main__":
    count = 100000

    counter = multiprocessing.Value("i", 0)
    lock = multiprocessing.Lock()
    worker = multiprocessing.Process(target=work, args=(counter, lock, count))
    worker.start()
    worker.join()
