set terminal pngcairo noenhanced size 900,550 font 'Sans,10'
set output 'tuning.png'
reset
set title "candidates on the validation split (1/12 of fashion-mnist train), 1 seed; chosen: fashion_cos30"
set grid
set lmargin 10
set bmargin 9
set key top left
set xtics rotate by -35
set xrange [-0.5:2.5]
set ylabel 'final validation accuracy'
plot 'tuning.dat' using 1:2:4:5:xtic(6) with yerrorbars pt 7 lc rgb '#1f77b4' title 'mean over seeds, bars min..max'
set output
set terminal svg noenhanced size 900,550 dynamic font 'Sans,10'
set output 'tuning.svg'
reset
set title "candidates on the validation split (1/12 of fashion-mnist train), 1 seed; chosen: fashion_cos30"
set grid
set lmargin 10
set bmargin 9
set key top left
set xtics rotate by -35
set xrange [-0.5:2.5]
set ylabel 'final validation accuracy'
plot 'tuning.dat' using 1:2:4:5:xtic(6) with yerrorbars pt 7 lc rgb '#1f77b4' title 'mean over seeds, bars min..max'
set output
