import multiprocessing


def worker(tasks, results):
    # Take numbers until the None that says there is no more work.
    while True:
        n = tasks.get()
        if n is None:
            break
        results.put((n, n * n))


if __name__ == "__main__":
    numbers = [1, 2, 3, 4, 5, 6, 7, 8]
    workers = 3

    tasks = multiprocessing.Queue()
    results = multiprocessing.Queue()

    # Every worker takes from the same task queue: whoever is free gets the next one.
    pool = [multiprocessing.Process(target=worker, args=(tasks, results)) for _ in range(workers)]
    for p in pool:
        p.start()

    for n in numbers:
        tasks.put(n)
    for _ in pool:
        tasks.put(None)  # one stop signal per worker

    # Results arrive in whatever order the workers finish them.
    squares = dict(results.get() for _ in numbers)

    for p in pool:
        p.join()

    print("Squares: {}".format([squares[n] for n in numbers]))
