module kedahttp.bench/goproxy

go 1.19
