"""A Semaphore lets two of three children in at once; a BoundedSemaphore refuses an extra release."""

import multiprocessing


def enter(sem, inside, most, q, name):
    with sem:
        with inside.get_lock():
            inside.value += 1
            most.value = max(most.value, inside.value)
        with inside.get_lock():
            inside.value -= 1
    q.put(name)


if __name__ == "__main__":
    sem = multiprocessing.Semaphore(2)
    inside = multiprocessing.Value("i", 0)
    most = multiprocessing.Value("i", 0, lock=False)
    q = multiprocessing.Queue()
    ps = [multiprocessing.Process(target=enter, args=(sem, inside, most, q, f"c{i}")) for i in range(3)]
    for p in ps:
        p.start()
    print("entered:", sorted(q.get() for _ in ps))
    for p in ps:
        p.join()
    print("at most two at once:", most.value <= 2)
    bounded = multiprocessing.BoundedSemaphore(1)
    bounded.acquire()
    bounded.release()
    try:
        bounded.release()
    except ValueError as exc:
        print("bounded:", exc)
