import multiprocessing


def produce(q, count):
    # Put numbers as fast as the queue takes them, then a None to say "no more".
    for n in range(count):
        q.put(n)
    q.put(None)


def consume(q):
    # Take items until the None arrives; print a summary instead of every item.
    total = 0
    received = 0
    while True:
        item = q.get()
        if item is None:
            break
        total += item
        received += 1
    print("Received {} items, total {}".format(received, total))


if __name__ == "__main__":
    count = 2000

    q = multiprocessing.Queue()

    producer = multiprocessing.Process(target=produce, args=(q, count))
    consumer = multiprocessing.Process(target=consume, args=(q,))

    # Both run at once: the consumer often waits for the producer, and the other way round.
    producer.start()
    consumer.start()

    producer.join()
    consumer.join()
