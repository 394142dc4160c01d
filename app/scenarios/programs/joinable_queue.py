import multiprocessing


def worker(tasks):
    # Take tasks until the None that says there are no more; mark each one done.
    while True:
        n = tasks.get()
        if n is not None:
            print(n, "squared is", n * n)
        tasks.task_done()
        if n is None:
            break


if __name__ == "__main__":
    numbers = [1, 2, 3, 4, 5, 6]
    workers = 2

    tasks = multiprocessing.JoinableQueue()
    pool = [multiprocessing.Process(target=worker, args=(tasks,)) for _ in range(workers)]
    for p in pool:
        p.start()

    for n in numbers:
        tasks.put(n)
    for _ in pool:
        tasks.put(None)  # one stop signal per worker

    # join() returns once every item put in has been marked done with task_done().
    tasks.join()
    print("All", len(numbers), "tasks are done")

    for p in pool:
        p.join()
