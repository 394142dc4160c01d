import multiprocessing
import time


def consume(q, count):
    # Take every item, then say when the last one arrived.
    for _ in range(count):
        q.get()
    print("t1", time.monotonic())


if __name__ == "__main__":
    count = 100000

    q = multiprocessing.Queue()
    consumer = multiprocessing.Process(target=consume, args=(q, count))
    consumer.start()

    # The loop being timed: from the first put to the consumer's last get.
    print("t0", time.monotonic())
    for n in range(count):
        q.put(n)
    consumer.join()
