import multiprocessing
import time


def consume(ready, box, name):
    with ready:
        # wait() lets go of the lock while it waits and takes it again before returning;
        # check again when woken: another consumer may have been first.
        while box.value == 0:
            ready.wait()
        print(f"{name} sees {box.value}")


def produce(ready, box, value):
    time.sleep(0.5)  # the consumers are waiting by now
    with ready:
        box.value = value
        ready.notify_all()  # wake every consumer waiting on the condition


if __name__ == "__main__":
    consumers = 2
    value = 42

    ready = multiprocessing.Condition()
    box = multiprocessing.Value("i", 0)

    procs = [
        multiprocessing.Process(target=consume, args=(ready, box, f"consumer {i}"))
        for i in range(1, consumers + 1)
    ]
    procs.append(multiprocessing.Process(target=produce, args=(ready, box, value)))
    for p in procs:
        p.start()
    for p in procs:
        p.join()
