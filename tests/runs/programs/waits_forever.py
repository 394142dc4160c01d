import multiprocessing


def consumer(q):
    print("waiting for an item that never comes")
    q.get()


if __name__ == "__main__":
    q = multiprocessing.Queue()
    p1 = multiprocessing.Process(target=consumer, args=(q,))
    p1.start()
    p1.join()
