"""A producer puts squares into a Queue; the main process gets and prints them."""

import multiprocessing


def produce(q, n):
    for i in range(n):
        q.put(i * i)
    q.put(None)


if __name__ == "__main__":
    q = multiprocessing.Queue()
    p = multiprocessing.Process(target=produce, args=(q, 5))
    p.start()
    while (item := q.get()) is not None:
        print("got", item)
    p.join()
    print("producer exit code", p.exitcode)
