import multiprocessing


def make_report(q, size):
    # The child puts one large item. A Queue hands it to a feeder thread, which writes it
    # into a pipe that holds about 64 KiB: past that, the thread waits for a reader. And a
    # process that put something cannot exit until its feeder thread has written it all.
    q.put("x" * size)


if __name__ == "__main__":
    size = 100000
    get_first = False

    q = multiprocessing.Queue()
    p1 = multiprocessing.Process(target=make_report, args=(q, size))
    p1.start()

    if get_first:
        # Take the item out first: the child can then finish, and joining it is safe.
        report = q.get()
        p1.join()
    else:
        # Join first: we wait for the child to end, the child waits for us to take its
        # item. Neither can go on.
        p1.join()
        report = q.get()

    print("The report has", len(report), "characters")
