import multiprocessing


def add(counter, times):
    for _ in range(times):
        counter.value += 1


if __name__ == "__main__":
    times = 200
    counter = multiprocessing.Value("i", 0)
    workers = [multiprocessing.Process(target=add, args=(counter, times)) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    print(counter.value)
