import multiprocessing
import time


def wait_for_signal(ready, name):
    print(f"{name} waits for the signal")
    ready.wait()  # blocks until some process sets the event
    print(f"{name} got the signal and starts")


if __name__ == "__main__":
    waiters = 2
    prepare_s = 1.0

    ready = multiprocessing.Event()
    workers = [
        multiprocessing.Process(target=wait_for_signal, args=(ready, f"worker {i}"))
        for i in range(1, waiters + 1)
    ]
    for w in workers:
        w.start()

    time.sleep(prepare_s)  # the preparation the workers wait for
    print("main is ready: setting the signal")
    ready.set()  # every waiter wakes up at once

    for w in workers:
        w.join()
