"""A child waits on an Event set by main; another waits on a Condition until main sets a flag."""

import multiprocessing


def wait_event(ready, q):
    ready.wait()
    q.put("event seen")


def wait_condition(cond, flag, waiting, q):
    with cond:
        waiting.put("b waits")  # main takes the lock to notify only once wait() let it go
        cond.wait_for(lambda: flag.value == 1)
        q.put("condition met")


if __name__ == "__main__":
    ready = multiprocessing.Event()
    cond = multiprocessing.Condition()
    flag = multiprocessing.Value("i", 0)
    q = multiprocessing.Queue()
    waiting = multiprocessing.Queue()
    a = multiprocessing.Process(target=wait_event, args=(ready, q))
    b = multiprocessing.Process(target=wait_condition, args=(cond, flag, waiting, q))
    a.start()
    b.start()
    print("is set before:", ready.is_set())
    ready.set()
    print(waiting.get())
    with cond:
        flag.value = 1
        cond.notify_all()
    print(sorted([q.get(), q.get()]))
    a.join()
    b.join()
    ready.clear()
    print("is set after clear:", ready.is_set(), "wait(0.01):", ready.wait(0.01))
